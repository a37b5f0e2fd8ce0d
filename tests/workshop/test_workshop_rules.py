"""Workshop rules without a database: the majority and ties, the room's review beside self-paced
learners, the skills the room struggled with, and exports that are safe to open."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elearn.course.paths import score_evidence
from elearn.course.schema import credit_of
from elearn.play.engine import ScenarioRun, choose, start
from elearn.workshop.report import safe_cell, summary_csv, summary_html
from elearn.workshop.review import review_room
from elearn.workshop.rules import (
    MIN_SELF_PACED,
    TieUndecided,
    WorkshopError,
    decide,
    letter,
    majority,
    tied,
    verdict,
)

from .conftest import COURSE, FIRST, SCENARIO, SHORT

IDS = [choice.id for choice in FIRST.choices]


@dataclass(frozen=True)
class Decided:
    decision: int
    node_id: str
    choice_id: str
    majority_choice_id: str | None
    overridden: bool
    votes: dict[str, int] = field(default_factory=dict)


@pytest.mark.parametrize(("counts", "winner", "top"), [
    ({}, None, ()),
    ({"a": 0, "b": 0}, None, ()),
    ({"a": 3, "b": 1}, "a", ("a",)),
    ({"a": 2, "b": 2, "c": 1}, None, ("a", "b")),
    ({"c": 1, "a": 1, "b": 1}, None, ("a", "b", "c")),
    ({"b": 1}, "b", ("b",)),
])
def test_majority_and_ties(counts: dict[str, int], winner: str | None, top: tuple[str, ...]) -> None:
    assert majority(counts) == winner
    assert tied(counts) == top


def test_a_verdict_lists_every_choice_in_the_order_shown() -> None:
    vote = verdict(FIRST.choices, {IDS[1]: 2, "not-a-choice": 9})
    assert vote.split == tuple((choice_id, 2 if choice_id == IDS[1] else 0) for choice_id in IDS)
    assert (vote.majority, vote.total, vote.is_tie) == (IDS[1], 2, False)
    shown = start(SCENARIO, seed=3).choices_shown()
    assert [choice_id for choice_id, _ in verdict(shown, {}).split] == [choice.id for choice in shown]


def test_letters_follow_the_rooms_order_not_the_authored_one() -> None:
    shown = start(SCENARIO, seed=3).choices_shown()
    assert [letter(shown, choice.id) for choice in shown] == list("ABCD"[:len(shown)])
    assert letter(shown, "not-a-choice") == "?"


@pytest.mark.parametrize(("counts", "override", "expected"), [
    ({0: 2, 1: 1}, None, 0),
    ({0: 2, 1: 1}, 1, 1),   # the facilitator overrides the room
    ({0: 1, 1: 1}, 1, 1),   # a tie: the facilitator decides
    ({}, 2, 2),             # nobody voted: the facilitator decides
])
def test_the_room_takes_the_majority_unless_the_facilitator_picks(
    counts: dict[int, int], override: int | None, expected: int,
) -> None:
    vote = verdict(FIRST.choices, {IDS[i]: n for i, n in counts.items()})
    assert decide(vote, None if override is None else IDS[override]) == IDS[expected]


@pytest.mark.parametrize(("counts", "message"), [
    ({0: 1, 1: 1}, "The vote is tied: as the facilitator, pick one of the tied answers."),
    ({}, "Nobody has voted: pick an answer for the room, or open voting again."),
])
def test_a_tie_needs_the_facilitator(counts: dict[int, int], message: str) -> None:
    with pytest.raises(TieUndecided) as undecided:
        decide(verdict(FIRST.choices, {IDS[i]: n for i, n in counts.items()}))
    assert str(undecided.value) == message


def test_an_override_must_be_a_choice_here() -> None:
    with pytest.raises(WorkshopError, match="'nope' is not one of the choices"):
        decide(verdict(FIRST.choices, {}), "nope")


def played(votes_per_step: list[dict[str, int]]) -> tuple[ScenarioRun, list[Decided]]:
    run, decisions = start(SCENARIO), []
    for number, ((node_id, choice_id), votes) in enumerate(zip(SHORT, votes_per_step, strict=True), start=1):
        decisions.append(Decided(number, node_id, choice_id, majority(votes), majority(votes) not in (None, choice_id),
                                 votes))
        run = choose(run, choice_id)
    return run, decisions


def test_the_review_follows_the_room_to_its_ending() -> None:
    run, decisions = played([{SHORT[0][1]: 3, IDS[0] if SHORT[0][1] != IDS[0] else IDS[1]: 1},
                             *({choice_id: 2} for _, choice_id in SHORT[1:])])
    review = review_room(COURSE, run, decisions, participants=4)
    assert [row.number for row in review.decisions] == list(range(1, len(SHORT) + 1))
    first = review.decisions[0]
    assert (first.room_votes, first.overridden, first.tie) == (4, False, False)
    assert [s.room_share for s in first.shares if s.taken] == [0.75]
    assert review.ending_title == run.ending.title  # type: ignore[union-attr]
    assert review.anger_curve == tuple(run.anger_curve)
    assert review.best_curve[0] == SCENARIO.start_anger


def test_self_paced_learners_are_shown_only_when_there_are_enough() -> None:
    run, decisions = played([{choice_id: 1} for _, choice_id in SHORT])
    node_id, choice_id = SHORT[0]
    few = review_room(COURSE, run, decisions, participants=1,
                      self_paced={node_id: {choice_id: MIN_SELF_PACED - 1}})
    assert not few.decisions[0].comparable
    assert all(s.self_paced_share is None and s.self_paced == 0 for s in few.decisions[0].shares)
    enough = review_room(COURSE, run, decisions, participants=1,
                         self_paced={node_id: {choice_id: MIN_SELF_PACED, IDS[-1]: MIN_SELF_PACED}})
    shares = {s.choice_id: s.self_paced_share for s in enough.decisions[0].shares}
    assert shares[choice_id] == pytest.approx(0.5 if choice_id != IDS[-1] else 1.0)


def test_the_skills_the_room_struggled_with_come_from_its_own_answers() -> None:
    worst = min(FIRST.choices, key=lambda c: sum(1 for r in c.evidence.values() if r == "good"))
    best = max(FIRST.choices, key=lambda c: sum(1 for r in c.evidence.values() if r == "good"))
    run = choose(start(SCENARIO), best.id)
    # The facilitator took the best answer, but most of the room voted for the worst one.
    decided = Decided(1, FIRST.id, best.id, worst.id, True, {worst.id: 9, best.id: 1})
    review = review_room(COURSE, run, [decided], participants=10)
    poor_skills = {COURSE.skills[s].name for s, r in worst.evidence.items() if r == "poor"}
    assert poor_skills
    assert poor_skills <= {s.name for s in review.struggled}
    assert all(s.lesson for s in review.struggled)
    assert [s.credit for s in review.skills] == sorted(s.credit for s in review.skills)
    # The path taken was the facilitator's: it scores apart from the room's own answers.
    assert review.overrides == 1
    assert review.path_score == run.score
    assert review.room_score == score_evidence(list(worst.evidence.values()))


def test_the_rooms_score_is_its_majority_beside_the_path_taken() -> None:
    best = FIRST.best_choice
    worst = min(FIRST.choices, key=credit_of)
    run = choose(start(SCENARIO), best.id)
    split = Decided(1, FIRST.id, best.id, best.id, False, {best.id: 6, worst.id: 5})
    review = review_room(COURSE, run, [split], participants=11)
    assert review.room_score == review.path_score == run.score
    assert review.overrides == 0
    tie = Decided(1, FIRST.id, best.id, None, False, {best.id: 2, worst.id: 2})
    shared = review_room(COURSE, run, [tie], participants=4)
    ratings = [*best.evidence.values(), *worst.evidence.values()]
    assert shared.room_score == pytest.approx(score_evidence(ratings), abs=0.1)  # each tied answer counts half
    silent = review_room(COURSE, run, [Decided(1, FIRST.id, best.id, None, False, {})], participants=4)
    assert silent.room_score is None
    assert silent.skills == ()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6), min_size=len(IDS), max_size=len(IDS)))
def test_the_room_never_scores_100_while_struggling(counts: list[int]) -> None:
    votes = {choice_id: n for choice_id, n in zip(IDS, counts, strict=True) if n}
    top = majority(votes)
    taken = top or IDS[0]
    review = review_room(COURSE, choose(start(SCENARIO), taken),
                         [Decided(1, FIRST.id, taken, top, False, votes)], participants=sum(counts))
    if review.room_score == 100:
        assert not review.struggled
    if review.struggled:
        assert review.room_score is not None
        assert review.room_score < 100


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1", "'+1"),
    ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTab", "'\tTab"),
    ("Plain words", "Plain words"),
    (12, "12"),
    (None, ""),
])
def test_cells_never_start_a_formula(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_the_csv_export_has_one_row_per_decision_and_choice() -> None:
    run, decisions = played([{choice_id: 2} for _, choice_id in SHORT])
    review = review_room(COURSE, run, decisions, participants=2)
    rows = list(csv.DictReader(io.StringIO(summary_csv(review))))
    assert len(rows) == sum(len(row.shares) for row in review.decisions)
    taken = [row for row in rows if row["room_took_it"] == "yes"]
    assert [row["room_votes"] for row in taken] == ["2"] * len(SHORT)
    # Choices are named by id (stable) beside the letter the room saw (its own order).
    assert [row["choice_id"] for row in taken] == [choice_id for _, choice_id in SHORT]
    first = [row for row in rows if row["decision"] == "1"]
    shown = run.choices_shown(FIRST)
    assert [(row["choice_id"], row["letter"]) for row in first] == [(c.id, "ABCD"[i]) for i, c in enumerate(shown)]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def test_the_html_report_is_one_self_contained_page() -> None:
    run, decisions = played([{choice_id: 1} for _, choice_id in SHORT])
    review = review_room(COURSE, run, decisions, participants=1)
    page = summary_html(review, code="<ABC>", held_on=datetime(2026, 3, 2, tzinfo=UTC))
    assert page.startswith("<!doctype html>")
    assert "&lt;ABC&gt;" in page
    assert "<ABC>" not in page
    assert "<script" not in page
    assert "http" not in page
    assert "02 March 2026" in page
    assert html.escape(SCENARIO.title) in page
