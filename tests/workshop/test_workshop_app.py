"""Workshop mode through its widgets (AppTest): a facilitator opens a room and presents it, phones
join with a code and a nickname and vote; changing a vote, a tie, a reload, stale clicks, unknown
and closed rooms, and a room played to its ending with its debrief and summary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from elearn.play.engine import choose, from_json, start
from elearn.store import (
    NewChoice,
    Role,
    Store,
    User,
    authenticate,
    create_user,
    end_session,
    open_store,
    record_choice,
    start_attempt,
    upgrade,
)
from elearn.store.rooms import close_room, room_for, room_summary, rooms_of
from elearn.workshop.rules import letter
from tests.app.conftest import PASSWORD, as_read, new_app, open_page, sign_in, sign_up, texts
from tests.app.conftest import own_database as own_database  # the fixture: a database per test
from tests.conftest import REPO
from tests.store.helpers import NOW

from .conftest import FIRST, SCENARIO, SHORT

pytestmark = pytest.mark.usefixtures("own_database")
A, B, C = (choice.id for choice in FIRST.choices[:3])


def database(data_dir: Path) -> Store:
    store = open_store(None, data_dir)
    upgrade(store)
    return store


def database_of(at: AppTest) -> Store:
    """The database the app under test uses (the test's own data directory)."""
    return database(Path(os.environ["ELEARN_DATA_DIR"]))


def user_named(store: Store, username: str) -> User:
    found = authenticate(store, username, PASSWORD, NOW, client="test")
    assert isinstance(found, User)
    return found


def facilitator(data_dir: Path, username: str = "fran") -> AppTest:
    create_user(database(data_dir), username=username, display_name=username.title(), password=PASSWORD, now=NOW,
                roles=(Role.FACILITATOR, Role.LEARNER))
    return sign_in(username)


def open_a_room(at: AppTest) -> str:
    open_page(at, "rooms")
    at.selectbox(key="room-scenario").set_value(SCENARIO.id)
    at.button(key="FormSubmitter:open-room-Open a room").click().run()
    assert not at.exception
    return str(at.query_params["room"])


def present(at: AppTest, code: str, **extra: str) -> AppTest:
    open_page(at, "present", room=code, **extra)
    assert not at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception
    return at


def again(phone: AppTest) -> AppTest:
    """The phone's page run again, as its check does when the room moved on (AppTest runs no timers)."""
    phone.run()
    assert not phone.exception
    return phone


def join(code: str, nickname: str) -> AppTest:
    phone = new_app().run()
    open_page(phone, "join", room=code)
    assert phone.text_input(key="join-code").value == code  # filled in from the QR link
    phone.text_input(key="join-nickname").input(nickname)
    return click(phone, "FormSubmitter:join-Join")


def votes(phone: AppTest) -> dict[str, object]:
    """The vote buttons on a phone, by choice id (keys are vote-<decision>-<choice id>)."""
    return {b.key.split("-", 2)[2]: b for b in phone.button if b.key and b.key.startswith("vote-")}


def vote(phone: AppTest, choice_id: str, decision: int = 1) -> AppTest:
    return click(phone, f"vote-{decision}-{choice_id}")


def room_letter(at: AppTest, code: str, choice_id: str, node_id: str | None = None) -> str:
    """The letter the room shows ``choice_id`` with at ``node_id`` (default: the first decision)."""
    store = database_of(at)
    run = from_json(room_for(store, user_named(store, "fran"), code).run_json, SCENARIO)
    node = SCENARIO.node(node_id or SCENARIO.start)
    assert node is not None
    return letter(run.choices_shown(node), choice_id)


def charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


@pytest.fixture
def room(own_database: Path) -> tuple[AppTest, str]:
    at = facilitator(own_database)
    return at, open_a_room(at)


def test_a_facilitator_opens_a_room_and_finds_it_listed(own_database: Path) -> None:
    at = facilitator(own_database)
    code = open_a_room(at)
    store = database(own_database)
    [listing] = rooms_of(store, user_named(store, "fran"))
    assert (listing.room.code, listing.room.scenario_id) == (code, SCENARIO.id)
    open_page(at, "rooms")
    assert code in texts(at)
    present(at, code)
    assert code in texts(at)  # the join code, large, beside the QR code
    assert len(at.get("image")) == 1
    assert f"/join?room={code}" in texts(at)


@pytest.mark.parametrize("name", ["rooms", "present"])
def test_workshop_pages_are_for_facilitators_only(name: str) -> None:
    learner = sign_up("lea")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(learner, name, room="ABCDEF")
    direct = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=60)
    direct.query_params["room"] = "ABCDEF"
    direct.run()
    assert [e.value for e in direct.error] == ["You don't have access to this page."]


def test_the_join_page_is_open_to_visitors() -> None:
    visitor = open_page(new_app().run(), "join")
    assert not visitor.exception
    assert [t.key for t in visitor.text_input] == ["join-code", "join-nickname"]


def test_the_room_votes_and_the_majority_moves_the_story_on(room: tuple[AppTest, str]) -> None:
    at, code = room
    present(at, code)
    ann, bob, cy = join(code, "Ann"), join(code, "Bob"), join(code, "Cy")
    assert "3 joined" in texts(present(at, code))
    assert not votes(ann)  # no voting before the facilitator opens it
    click(at, "open-1")
    for phone in (ann, bob, cy):
        again(phone)
        assert set(votes(phone)) == {c.id for c in FIRST.choices}
    vote(ann, A)
    vote(bob, A)
    at.run()
    assert [m.value for m in at.metric] == ["2 of 3"]
    vote(cy, B)
    vote(ann, B)  # Ann changes her mind
    assert votes(ann)[B].proto.type == "primary"  # type: ignore[attr-defined]
    at.run()
    assert [m.value for m in at.metric] == ["3 of 3"]
    assert charts(at) == 0  # the count, never the split, while voting is open
    assert "· **2**" not in texts(at)

    click(at, "reveal-1")
    assert charts(at) == 1
    assert "· **2**" in texts(at)
    assert "· **1**" in texts(at)
    click(at, "majority-1")
    assert "Decision 2" in texts(at)
    assert f"The room chose **{room_letter(at, code, B)}**" in texts(at)
    [decided] = room_summary(database_of(at), user_named(database_of(at), "fran"), code).decisions
    assert (decided.choice_id, decided.votes) == (B, {A: 1, B: 2})

    # Bob's phone still shows decision 1: his late tap is refused and the phone catches up.
    vote(bob, A)
    assert "The room has moved on to another decision" in texts(bob)
    assert "**Decision 2**" in texts(bob)
    bob.run()  # what the phone's own check does once the room's phase changed
    assert "**Decision 2**" in texts(bob)


def test_a_presenter_click_after_the_session_ended_changes_nothing(room: tuple[AppTest, str]) -> None:
    """Button callbacks run before the page's own check: they check the session themselves."""
    at, code = room
    present(at, code)
    store = database_of(at)
    end_session(store, str(at.session_state["session_token"]), NOW)  # signed out in another tab
    at.button(key="open-1").click().run()
    assert not at.exception
    assert not room_for(store, user_named(store, "fran"), code).voting_open
    assert "open-1" not in {b.key for b in at.button}  # the page is no longer shown either


def test_a_tie_is_the_facilitators_call(room: tuple[AppTest, str]) -> None:
    at, code = room
    ann, bob = join(code, "Ann"), join(code, "Bob")
    present(at, code)
    click(at, "open-1")
    vote(again(ann), A)
    vote(again(bob), B)
    click(at, "reveal-1")
    assert "**A tie, or no votes: your call.**" in texts(at)
    assert not [b for b in at.button if b.key == "majority-1"]
    picks = sorted(b.key for b in at.button if b.key and b.key.startswith("pick-1-"))
    assert picks == sorted(f"pick-1-{c.id}" for c in FIRST.choices)
    click(at, f"pick-1-{A}")
    assert f"The facilitator broke the tie with **{room_letter(at, code, A)}**" in texts(at)
    [decided] = room_summary(database_of(at), user_named(database_of(at), "fran"), code).decisions
    assert (decided.choice_id, decided.majority_choice_id, decided.overridden) == (A, None, False)


def test_the_facilitator_can_override_a_clear_majority(room: tuple[AppTest, str]) -> None:
    at, code = room
    phones = [join(code, name) for name in ("Ann", "Bob", "Cy")]
    present(at, code)
    click(at, "open-1")
    for phone, choice_id in zip(phones, (A, A, B), strict=True):
        vote(again(phone), choice_id)
    click(at, "reveal-1")
    assert [b.label for b in at.button if b.key == "majority-1"] == [f"Go with the room: {room_letter(at, code, A)}"]
    click(at, f"pick-1-{C}")
    assert f"The facilitator overrode the room and chose **{room_letter(at, code, C)}**" in texts(at)


def test_a_participant_who_reloads_stays_the_same_participant(room: tuple[AppTest, str]) -> None:
    at, code = room
    present(at, code)
    click(at, "open-1")
    ann = vote(join(code, "Ann"), B)
    token = str(ann.query_params["p"])
    assert "room" not in ann.query_params
    reloaded = open_page(new_app().run(), "join", p=token)  # a reload: a new session, the same URL
    assert "you are **Ann**" in texts(reloaded)
    assert votes(reloaded)[B].proto.type == "primary"  # type: ignore[attr-defined]
    vote(reloaded, A)
    present(at, code)
    assert "1 joined" in texts(at)
    assert [m.value for m in at.metric] == ["1 of 1"]


def test_a_nickname_is_shown_escaped(room: tuple[AppTest, str]) -> None:
    _, code = room
    phone = join(code, "**Bo** [x](http://e)")
    assert "you are **\\*\\*Bo\\*\\* \\[x\\]\\(http\u2060\\://e\\)**" in texts(phone)  # U+2060: no autolink


@pytest.mark.parametrize(("setup", "typed_code", "nickname", "message"), [
    ("none", "ZZZZZZ", "Ann", "There is no workshop room with the code ZZZZZZ."),
    ("closed", "{code}", "Ann", "has finished, so it takes no new participants."),
    ("ann-joined", "{code}", "ANN", "Someone in this room already goes by “ANN”. Pick another nickname."),
    ("none", "{code}", "", "Type a nickname so the room can tell you apart (1 to 24 characters)."),
])
def test_joining_that_fails_says_why(
    room: tuple[AppTest, str], setup: str, typed_code: str, nickname: str, message: str,
) -> None:
    at, code = room
    if setup == "closed":
        close_room(database_of(at), user_named(database_of(at), "fran"), code, NOW)
    if setup == "ann-joined":
        join(code, "Ann")
    phone = open_page(new_app().run(), "join")
    phone.text_input(key="join-code").input(typed_code.format(code=code))
    phone.text_input(key="join-nickname").input(nickname)
    click(phone, "FormSubmitter:join-Join")
    assert any(message in as_read(e.value) for e in phone.error), [e.value for e in phone.error]
    assert "p" not in phone.query_params
    assert [t.key for t in phone.text_input] == ["join-code", "join-nickname"]  # the form stays to try again


def test_an_unknown_participant_link_asks_to_join_again() -> None:
    phone = open_page(new_app().run(), "join", p="not-a-token")
    assert "This phone's place in the room was not found. Join again with the room's code." in texts(phone)
    assert [t.key for t in phone.text_input] == ["join-code", "join-nickname"]


def test_another_facilitators_room_cannot_be_presented(room: tuple[AppTest, str], own_database: Path) -> None:
    _, code = room
    gus = facilitator(own_database, "gus")
    present(gus, code)
    assert any(f"There is no workshop room with the code {code}" in e.value for e in gus.error)
    assert not [b for b in gus.button if b.key == "open-1"]


def test_the_phone_controls_layout_drives_the_same_room(room: tuple[AppTest, str]) -> None:
    at, code = room
    present(at, code, view="controls")
    assert len(at.get("image")) == 0  # no QR code on the facilitator's phone
    click(at, "open-1")
    ann = join(code, "Ann")
    assert set(votes(ann)) == {c.id for c in FIRST.choices}


def test_a_room_played_to_its_ending_shows_the_debrief_and_keeps_its_summary(room: tuple[AppTest, str]) -> None:
    at, code = room
    ann = join(code, "Ann")
    present(at, code)
    for decision, (_, choice_id) in enumerate(SHORT, start=1):
        click(at, f"open-{decision}")
        vote(again(ann), choice_id, decision)
        click(at, f"reveal-{decision}")
        click(at, f"majority-{decision}")
    ending = SCENARIO.ending(_ending_of_short_path())
    assert ending is not None
    assert ending.title in texts(at)
    assert charts(at) == 1  # the room's anger curve beside the best path
    assert not [b for b in at.button if b.key == "close-room"]
    again(ann)
    assert f"The conversation ended: **{ending.title}**" in texts(ann)

    open_page(at, "rooms", room=code)
    assert not at.exception
    assert f"Room {code}" in texts(at)
    assert len(at.dataframe) == len(SHORT)
    assert {b.proto.label for b in at.get("download_button")} == {"Export CSV", "One-page report (HTML)"}
    open_page(at, "rooms")
    assert "finished" in "\n".join(c.value for c in at.caption)


def _ending_of_short_path() -> str:
    run = start(SCENARIO)
    for _, choice_id in SHORT:
        run = choose(run, choice_id)
    assert run.ending is not None
    return run.ending.id


def test_the_summary_sets_the_room_beside_self_paced_learners(room: tuple[AppTest, str]) -> None:
    at, code = room
    store = database_of(at)
    learners = 5
    for index in range(learners):  # five learners who played alone, all choosing B first
        learner = create_user(store, username=f"solo{index}", display_name="Solo", password=PASSWORD, now=NOW)
        attempt = start_attempt(store, learner, SCENARIO.id, SCENARIO.version, run_json="{}", now=NOW)
        record_choice(store, learner, NewChoice(
            event_key=f"solo-{index}", attempt_id=attempt.id, node_id=FIRST.id, choice_id=B, evidence={},
            anger_before=50, anger_after=50, first_attempt=True, occurred_at=NOW))
    ann = join(code, "Ann")
    present(at, code)
    click(at, "open-1")
    vote(again(ann), A)
    click(at, "reveal-1")
    click(at, "majority-1")
    open_page(at, "rooms", room=code)
    [table] = at.dataframe
    columns = table.proto.columns  # the column configuration, as JSON
    assert f"Self-paced ({learners} learners)" in columns
    assert "Room (1 vote)" in columns
    shares = table.value.set_index("")
    assert shares.loc[room_letter(at, code, A), "Room"] == 1.0
    assert shares.loc[room_letter(at, code, B), "Self-paced"] == 1.0
