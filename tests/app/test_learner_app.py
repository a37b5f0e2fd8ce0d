"""The learner app through its widgets: sign-up, every page, a full playthrough, rewind, resume."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from elearn.play.engine import display_order
from elearn.store import events_for, get_user, open_store, progress_for, upgrade
from tests.conftest import REPO, shipped_course

from .conftest import PASSWORD, as_read, new_app, open_page, sign_in, sign_up, texts

COURSE = shipped_course()
SCENARIO = COURSE.scenarios[0]
BEST = [step.choice_id for step in COURSE.analyses[SCENARIO.id].best.steps]
LEARNER_PAGES = {"home": {}, "lesson": {"lesson": COURSE.lessons[0].id},
                 "scenario": {"scenario": SCENARIO.id}, "skills": {}}


def choice_buttons(at: AppTest) -> dict[str, object]:
    """The choice buttons on screen by choice id (keys are choice-<attempt>-<answers so far>-<choice id>)."""
    return {b.key.split("-", 3)[3]: b for b in at.button if b.key and b.key.startswith("choice-")}


def shown_order(at: AppTest) -> list[str]:
    """The choice ids of the buttons on screen, top to bottom."""
    return list(choice_buttons(at))


def order_of(seed: int, node_id: str) -> list[str]:
    node = SCENARIO.node(node_id)
    assert node is not None
    return [choice.id for choice in display_order(node, seed)]


def choose(at: AppTest, choice_id: str) -> AppTest:
    [button] = [b for b in at.button if b.key and b.key.startswith("choice-") and b.key.endswith(f"-{choice_id}")]
    button.click().run()
    assert not at.exception
    return at


def start_scenario(at: AppTest) -> AppTest:
    open_page(at, "scenario", scenario=SCENARIO.id)
    [start] = [b for b in at.button if b.label == "Start the conversation"]
    start.click().run()
    return at


def store_of(data_dir: object):
    store = open_store(None, data_dir)  # type: ignore[arg-type]
    upgrade(store)
    return store


def test_sign_up_lands_on_the_course_home() -> None:
    at = sign_up("ana", "Ana Pereira")
    assert "Welcome, **Ana Pereira**" in texts(at)
    assert "1. Keep your composure" in texts(at)


@pytest.mark.parametrize("name", sorted(LEARNER_PAGES))
def test_every_learner_page_renders(name: str) -> None:
    at = sign_up("ana")
    open_page(at, name, **LEARNER_PAGES[name])
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title


@pytest.mark.parametrize("name", sorted(LEARNER_PAGES))
def test_pages_are_not_in_a_visitors_app(name: str) -> None:
    at = new_app().run()
    assert any(b.label == "Sign in" for b in at.button)
    # A visitor's navigation holds only the sign-in page: the course pages are not served at all.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(at, name, **LEARNER_PAGES[name])


@pytest.mark.parametrize("name", sorted(LEARNER_PAGES))
def test_page_scripts_refuse_on_their_own_without_a_session(name: str) -> None:
    # Defence in depth: even run directly, without app.py's frame, a page checks the session.
    at = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=60)
    at.query_params.update(LEARNER_PAGES[name])
    at.run()
    assert [e.value for e in at.error] == ["You don't have access to this page."]
    assert not at.title


def test_wrong_password_is_refused_without_saying_which_part_was_wrong() -> None:
    sign_up("ana")
    at = sign_in("ana", "not the password")
    assert [e.value for e in at.error] == ["That username and password don't match an account. Check them and try "
                                           "again."]
    at = sign_in("nobody", "not the password")
    assert [e.value for e in at.error] == ["That username and password don't match an account. Check them and try "
                                           "again."]


def test_registration_errors_are_explained() -> None:
    at = new_app().run()
    at.text_input(key="reg-username").input("ana")
    at.text_input(key="reg-password").input("short")
    at.text_input(key="reg-repeat").input("short")
    at.button(key="FormSubmitter:register-Create account").click().run()
    assert "at least 10 characters" in texts(at)


def test_sign_up_shows_every_problem_at_once() -> None:
    at = new_app().run()
    at.text_input(key="reg-username").input("Not A Username!")
    at.text_input(key="reg-email").input("ana at example")
    at.text_input(key="reg-password").input("short")
    at.text_input(key="reg-repeat").input("shorter")
    at.button(key="FormSubmitter:register-Create account").click().run()
    assert not at.exception
    [error] = [as_read(e.value) for e in at.error]
    for field in ("Username:", "Work email", "Password: Use at least 10 characters.", "Password again:"):
        assert field in error, error
    at.text_input(key="reg-username").input("ana")  # fixed in one go, the account is made
    at.text_input(key="reg-email").input("")
    for key in ("reg-password", "reg-repeat"):
        at.text_input(key=key).input("correct horse battery")
    at.button(key="FormSubmitter:register-Create account").click().run()
    assert not at.error
    assert "Welcome" in texts(at)


def test_full_playthrough_records_every_answer(own_database: object) -> None:
    at = sign_up("ana")
    start_scenario(at)
    for choice_id in BEST:
        choose(at, choice_id)
    shown = texts(at)
    ending = SCENARIO.ending(COURSE.analyses[SCENARIO.id].best.ending_id)
    assert ending is not None
    assert ending.title in shown
    assert "Where it turned" in [h.value for h in at.subheader]
    assert "Every first answer you gave was the best one on offer." in shown
    assert any(b.label == "Try again" for b in at.button)
    assert at.get("plotly_chart")

    store = store_of(own_database)
    me = get_user(store, _admin_view(store), 1)
    progress = progress_for(store, me, me.id)
    [attempt] = progress.attempts
    assert (attempt.ending_id, attempt.score) == (ending.id, 100.0)
    events = events_for(store, me, me.id)
    assert [e.choice_id for e in events] == BEST
    assert all(e.first_attempt for e in events)


def test_rewind_goes_back_and_the_first_answer_still_counts(own_database: object) -> None:
    at = sign_up("ana")
    start_scenario(at)
    node = SCENARIO.node(SCENARIO.start)
    assert node is not None
    worst = min(node.choices, key=lambda c: sum(r == "good" for r in c.evidence.values())).id
    choose(at, worst)
    [rewind] = [b for b in at.button if b.label == "Rewind one step"]
    rewind.click().run()
    assert set(choice_buttons(at)) == {c.id for c in node.choices}
    choose(at, BEST[0])
    store = store_of(own_database)
    me = get_user(store, _admin_view(store), 1)
    events = events_for(store, me, me.id)
    assert [(e.choice_id, e.first_attempt) for e in events] == [(worst, True), (BEST[0], False)]


def test_resume_in_a_fresh_session_after_signing_in_again() -> None:
    at = sign_up("ana")
    start_scenario(at)
    choose(at, BEST[0])
    choose(at, BEST[1])
    expected = set(choice_buttons(at))

    again = sign_in("ana")
    open_page(again, "scenario", scenario=SCENARIO.id)
    assert set(choice_buttons(again)) == expected
    assert "Start the conversation" not in texts(again)


def test_each_attempt_shows_its_own_order_and_keeps_it_over_rewind_and_resume(own_database: object) -> None:
    at = sign_up("ana")
    start_scenario(at)
    store = store_of(own_database)
    me = get_user(store, _admin_view(store), 1)
    [first] = progress_for(store, me, me.id).attempts
    # The order is the one the attempt's seed (its id) gives, and it is not the authored order.
    assert shown_order(at) == order_of(first.id, SCENARIO.start)
    start_node = SCENARIO.node(SCENARIO.start)
    assert start_node is not None
    assert shown_order(at) != [choice.id for choice in start_node.choices]

    choose(at, BEST[0])
    second_node = shown_order(at)
    [rewind] = [b for b in at.button if b.label == "Rewind one step"]
    rewind.click().run()
    assert shown_order(at) == order_of(first.id, SCENARIO.start)  # a rewind shows the same order
    choose(at, BEST[0])
    assert shown_order(at) == second_node

    again = sign_in("ana")  # a new session, as after a restart: the saved run keeps its order
    open_page(again, "scenario", scenario=SCENARIO.id)
    assert shown_order(again) == second_node

    for choice_id in BEST[1:]:
        choose(again, choice_id)
    [retry] = [b for b in again.button if b.label == "Try again"]
    retry.click().run()
    attempts = progress_for(store, me, me.id).attempts
    assert len(attempts) == 2
    assert shown_order(again) == order_of(attempts[-1].id, SCENARIO.start)
    assert shown_order(again) != order_of(first.id, SCENARIO.start)  # a new attempt, a new order


def test_two_learners_see_the_first_decision_in_different_orders(own_database: object) -> None:
    ana = start_scenario(sign_up("ana"))
    ben = start_scenario(sign_up("ben"))
    assert sorted(shown_order(ana)) == sorted(shown_order(ben))
    assert shown_order(ana) != shown_order(ben)


def test_marking_a_lesson_done_shows_on_home() -> None:
    at = sign_up("ana")
    lesson = COURSE.lessons[0]
    open_page(at, "lesson", lesson=lesson.id)
    [done] = [b for b in at.button if b.label == "Mark as done"]
    done.click().run()
    assert "You have marked this lesson as done." in texts(at)


def test_a_lesson_links_its_sources_to_the_source_list_and_leads_to_the_next_lesson() -> None:
    at = sign_up("ana")
    first, second = COURSE.lessons[0], COURSE.lessons[1]
    open_page(at, "lesson", lesson=first.id)
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}  # type: ignore[attr-defined]
    assert links[f"Next lesson: {second.title}"].endswith("lesson")
    assert "The course's source list" in links
    shown = texts(at)
    assert shown.count("## Sources") == 1  # the body's own list gives way to the linked one
    for source_id in first.meta.sources:
        assert f"*{COURSE.sources[source_id].title}*" in shown
    open_page(at, "lesson", lesson=COURSE.lessons[-1].id)
    assert not [link for link in at.get("page_link") if "Next lesson" in link.proto.label]  # type: ignore[attr-defined]
    open_page(at, "job_aid", section="sources")
    assert at.header[0].value == "Sources"
    assert all(f"*{source.title}*" in texts(at) for source in COURSE.sources.values())


@pytest.mark.parametrize(("page", "params", "message"), [
    ("lesson", {"lesson": "no-such-lesson"}, "There is no lesson called 'no-such-lesson'."),
    ("scenario", {"scenario": "no-such-scenario"}, "There is no scenario called 'no-such-scenario' that can be "
                                                   "played right now."),
    ("lesson", {}, "No lesson was chosen."),
])
def test_unknown_ids_in_the_url_get_a_clear_message(page: str, params: dict[str, str], message: str) -> None:
    at = sign_up("ana")
    open_page(at, page, **params)
    assert not at.exception
    assert message in as_read(next(e.value for e in at.error))  # the id is escaped: it comes from the URL


def test_my_skills_shows_the_chart_and_what_to_improve() -> None:
    at = sign_up("ana")
    start_scenario(at)
    for choice_id in BEST:
        choose(at, choice_id)
    open_page(at, "skills")
    assert at.get("plotly_chart")
    assert "What to improve next" in [s.value for s in at.subheader]


def test_sign_out_ends_the_session() -> None:
    at = sign_up("ana")
    [sign_out] = [b for b in at.sidebar.button if b.label == "Sign out"]
    sign_out.click().run()
    assert any(b.label == "Sign in" for b in at.button)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(at, "skills")
    # The session is over on the server too: signing in again is needed.
    assert "session_token" not in at.session_state


def _admin_view(store: object):
    """A throwaway admin to read the learner's data with (as a manager's tools would)."""
    from datetime import UTC, datetime

    from elearn.store import create_admin

    return create_admin(store, f"auditor{datetime.now(UTC).timestamp():.0f}", PASSWORD + "x",  # type: ignore[arg-type]
                        datetime.now(UTC))


def test_the_job_aid_is_linked_from_home_and_offers_a_printable_page() -> None:
    at = sign_up("ana")
    assert any(link.proto.page.endswith("job_aid") or "job_aid" in str(link.proto)
               for link in at.get("page_link")), "the home page links the job aid"
    open_page(at, "job_aid")
    assert not at.exception
    assert "The boundary sequence" in texts(at)
    assert [b.proto.label for b in at.get("download_button")] == ["Download a printable page (HTML)"]
