"""The one source of "what to do next for your skills": which skills, which lesson, which scenario, why.

The fixture course (tests/fixtures/recommend) has these counts of choices carrying evidence:

    skill        alpha  bravo  charlie  delta (capstone)
    empathy        3      3       1        2
    solutions      3      1
    escalation            1       3        3
    closing                       1
    apology      (none: no scenario exercises it)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elearn.course.catalogue import Course, load_course
from elearn.learner.mastery import estimate
from elearn.learner.recommend import STRONG_SHARE, Recommendation, exercise_counts, recommendations
from elearn.store import Attempt, Evidence, Progress, Role, User
from tests.conftest import FIXTURES, shipped_course

COURSE = load_course(FIXTURES / "recommend")
SHIPPED = shipped_course()
T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
ME = User(id=1, username="ana", display_name="Ana", email=None, team_id=None, roles=frozenset({Role.LEARNER}),
          has_password=True, created_at=T0, last_seen_at=None)


def at(hour: int) -> datetime:
    return T0 + timedelta(hours=hour)


def attempt(number: int, scenario: str, finished: int | None, started: int = 0) -> Attempt:
    """Attempt ``number`` at ``scenario``, started at hour ``started``, finished at hour ``finished`` (None: not)."""
    done = at(finished) if finished is not None else None
    return Attempt(id=number, user_id=1, scenario_id=scenario, scenario_version=1, attempt_number=number,
                   started_at=at(started), updated_at=done or at(started), finished_at=done, run_json="{}",
                   ending_id="fixed" if done else None, outcome="resolved" if done else None,
                   score=80.0 if done else None)


def progress(*attempts: Attempt, evidence: tuple[Evidence, ...] = ()) -> Progress:
    return Progress(user=ME, completions=(), attempts=attempts, evidence=evidence)


def ratings(skill: str, *given: str) -> tuple[Evidence, ...]:
    return tuple(Evidence(skill, rating, at(i), "alpha") for i, rating in enumerate(given))


def for_skill(mine: Progress, skill: str) -> Recommendation:
    [found] = [r for r in recommendations(COURSE, mine) if r.skill.id == skill]
    return found


def test_the_fixture_counts_are_the_ones_the_cases_assume() -> None:
    assert {skill: exercise_counts(COURSE, skill) for skill in COURSE.skills} == {
        "empathy": {"alpha": 3, "bravo": 3, "charlie": 1, "delta": 2},
        "solutions": {"alpha": 3, "bravo": 1},
        "apology": {},
        "escalation": {"bravo": 1, "charlie": 3, "delta": 3},
        "closing": {"charlie": 1},
    }
    assert STRONG_SHARE == 0.5


@pytest.mark.parametrize(("attempts", "skill", "scenario", "says"), [
    pytest.param((), "empathy", "alpha", "'Alpha desk' would give it evidence (3 choices count towards it), and you "
                 "haven't played it yet.", id="nothing played: most choices, then course order"),
    pytest.param((), "escalation", "charlie", "and you haven't played it yet.",
                 id="a tie on choices: the practice scenario before the capstone"),
    pytest.param((attempt(1, "alpha", 1), attempt(2, "charlie", 2)), "empathy", "bravo", "haven't played it yet.",
                 id="not played before played"),
    pytest.param((attempt(1, "charlie", 1), attempt(2, "alpha", 2)), "escalation", "delta", "haven't played it yet.",
                 id="a capstone not played before a practice scenario played"),
    pytest.param((attempt(1, "alpha", None),), "empathy", "alpha", "haven't played it yet.",
                 id="an attempt still in progress is not played"),
    pytest.param((attempt(1, "alpha", 1), attempt(2, "bravo", 2), attempt(3, "delta", 3), attempt(4, "charlie", 4)),
                 "empathy", "alpha", "it is the one you played longest ago.",
                 id="all played: the one played longest ago"),
    pytest.param((attempt(1, "alpha", 1), attempt(2, "bravo", 2), attempt(3, "delta", 3), attempt(4, "alpha", 4),
                  attempt(5, "charlie", 5)), "empathy", "bravo", "it is the one you played longest ago.",
                 id="longest ago goes by the latest play of each scenario"),
    pytest.param((attempt(1, "alpha", 1), attempt(2, "charlie", 2)), "solutions", "alpha",
                 "it is the one you played longest ago.",
                 id="a strong scenario played before a weak one not played (1 choice of 3)"),
    pytest.param((attempt(1, "alpha", 1),), "solutions", "bravo", "(1 choice counts towards it), and you haven't "
                 "played it yet.", id="never the one just finished, even when it practises the skill most"),
    pytest.param((attempt(1, "alpha", 5, started=1), attempt(2, "bravo", 3, started=2)), "solutions", "bravo",
                 "it is the one you played longest ago.",
                 id="just finished is the latest finish, not the latest start"),
    pytest.param((attempt(1, "charlie", 1),), "closing", None, "You have just practised it in 'Charlie chat', the "
                 "only scenario that does: read the lesson, then play it again another time.",
                 id="only the scenario just finished practises it: the lesson alone"),
    pytest.param((), "apology", None, "No scenario practises it yet: the lesson is the place to start.",
                 id="no scenario practises it: the lesson alone"),
])
def test_which_scenario_practises_a_skill(attempts: tuple[Attempt, ...], skill: str, scenario: str | None,
                                          says: str) -> None:
    found = for_skill(progress(*attempts), skill)
    assert (found.scenario.id if found.scenario else None) == scenario
    assert found.reason.endswith(says), found.reason
    assert found.lesson is not None
    assert found.lesson.id == COURSE.skills[skill].lesson


def test_weakest_measured_skills_first_then_not_enough_evidence_and_never_proficient() -> None:
    evidence = (ratings("empathy", "poor", "poor", "poor") + ratings("solutions", "good", "good", "partial")
                + ratings("escalation", *["good"] * 8) + ratings("closing", "good"))
    mine = progress(attempt(1, "alpha", 1), evidence=evidence)
    found = recommendations(COURSE, mine)
    assert [(r.skill.id, r.enough_evidence) for r in found] == [
        ("empathy", True), ("solutions", True), ("apology", False), ("closing", False)]
    empathy, solutions = estimate("empathy", ["poor"] * 3), estimate("solutions", ["good", "good", "partial"])
    assert found[0].reason == (f"Empathy is your weakest skill so far ({empathy.shown}, needs practice). 'Bravo line' "
                               "practises it in 3 choices, and you haven't played it yet.")
    assert found[1].reason == (f"Solutions is at {solutions.shown} (developing). 'Bravo line' practises it in "
                               "1 choice, and you haven't played it yet.")
    assert found[3].reason.startswith("There isn't enough evidence about your closing yet (1 of 3 answers). Playing "
                                      "'Charlie chat' would give it evidence")


def test_every_skill_proficient_gives_nothing_to_do() -> None:
    evidence = tuple(e for skill in COURSE.skills for e in ratings(skill, *["good"] * 8))
    assert recommendations(COURSE, progress(evidence=evidence)) == ()


# --- generated learners ---------------------------------------------------------------------

def _learners(course: Course) -> st.SearchStrategy[Progress]:
    scenario_ids = [s.id for s in course.scenarios]
    one_attempt = st.tuples(st.sampled_from(scenario_ids), st.integers(0, 40), st.one_of(st.none(), st.integers(0, 40)))
    one_rating = st.tuples(st.sampled_from(list(course.skills)), st.sampled_from(["good", "partial", "poor"]),
                           st.integers(0, 200))

    def build(tries: list[tuple[str, int, int | None]], rated: list[tuple[str, str, int]]) -> Progress:
        attempts = tuple(attempt(number, sid, None if end is None else start + end, started=start)
                         for number, (sid, start, end) in enumerate(tries, start=1))
        evidence = tuple(Evidence(skill, rating, T0 + timedelta(minutes=m), "x") for skill, rating, m in rated)
        return progress(*attempts, evidence=evidence)

    return st.builds(build, st.lists(one_attempt, max_size=25), st.lists(one_rating, max_size=80))


def _just_finished(mine: Progress) -> str | None:
    finished = [(a.finished_at, a.id, a.scenario_id) for a in mine.attempts if a.finished_at is not None]
    return max(finished)[2] if finished else None


@pytest.mark.parametrize("course", [COURSE, SHIPPED], ids=["fixture course", "shipped course"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_home_and_my_skills_agree_and_never_send_you_back_to_the_scenario_just_finished(
        course: Course, data: st.DataObject) -> None:
    mine = data.draw(_learners(course))
    found = recommendations(course, mine)
    # Home shows the first recommendation, My skills the first few: the same function, the same order,
    # whatever order the store lists the attempts in.
    home = next(iter(found), None)
    my_skills = recommendations(course, progress(*reversed(mine.attempts), evidence=mine.evidence))[:5]
    assert (my_skills[0] if my_skills else None) == home
    assert found[:5] == my_skills

    just = _just_finished(mine)
    played = {a.scenario_id for a in mine.attempts if a.finished_at is not None}
    measured = [r for r in found if r.enough_evidence]
    assert found[:len(measured)] == tuple(measured), "measured skills come before those without enough evidence"
    assert [r.mastery.mastery for r in measured] == sorted(r.mastery.mastery for r in measured)
    for r in found:
        assert r.mastery.band != "proficient"
        counts = exercise_counts(course, r.skill.id)
        others = {sid for sid in counts if sid != just}
        if r.scenario is None:
            assert not others
            continue
        assert r.scenario.id != just
        assert r.scenario.id in counts
        strong = {sid for sid in others if counts[sid] >= STRONG_SHARE * max(counts.values())}
        if r.scenario.id in played:
            assert not (strong - played), "a strong scenario not played yet is preferred to one played"


def test_a_new_learner_is_pointed_at_the_start_of_the_course() -> None:
    shipped = shipped_course()
    [first, *_] = recommendations(shipped, Progress(user=ME, completions=(), attempts=(), evidence=()))
    assert first.skill.id == next(iter(shipped.skills))  # the catalogue's first skill, taught by lesson 1
    assert first.lesson is not None
    assert first.lesson.meta.order == 1
