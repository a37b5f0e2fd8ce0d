"""Workshop mode's rules and reports, pure: the majority and ties, the room's debrief, the comparison
with self-paced learners, the room's own score and the skills it struggled with, and the CSV and
HTML exports.

A room shows each decision's choices in the order its run's seed gives (``ScenarioRun.choices_shown``),
so the projector, the phones, the facilitator's controls and the summary use the same letters.
The room's own answer at a decision is its majority vote (a tie counts each tied answer
equally); the room's score and the skills it struggled with both come from those answers, so
they cannot contradict each other. The path actually taken (with the facilitator's overrides)
has a score of its own, shown beside it.

A room's decisions come from the store (``elearn.store.rooms.RoomDecision``); anything with the
same attributes will do (``Decided``), so this module never imports the store.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from elearn.catalogue import Course
from elearn.debrief import best_anger_curve
from elearn.endings import debrief_for
from elearn.engine import ScenarioRun
from elearn.errors import ElearnError
from elearn.exports import inert
from elearn.mastery import band_of, shown_percent
from elearn.schema import OUTCOME_LABELS, RATING_CREDIT, Choice, Node, Scenario

LETTERS = "ABCD"
MIN_SELF_PACED = 5
"""Fewer self-paced learners than this at a decision and their split is not shown (it would be
close to saying who chose what)."""


class WorkshopError(ElearnError):
    """A workshop action that the rules do not allow; the message says what to do."""


class TieUndecided(WorkshopError):
    """The vote is tied (or nobody voted) and the facilitator has not picked a choice."""


class Decided(Protocol):
    """One decision a room took (``elearn.store.rooms.RoomDecision`` fits)."""

    @property
    def decision(self) -> int: ...
    @property
    def node_id(self) -> str: ...
    @property
    def choice_id(self) -> str: ...
    @property
    def majority_choice_id(self) -> str | None: ...
    @property
    def overridden(self) -> bool: ...
    @property
    def votes(self) -> Mapping[str, int]: ...


# --- majority and ties -----------------------------------------------------------------------

def majority(counts: Mapping[str, int]) -> str | None:
    """The choice with the most votes, or None when nobody voted or the top is shared (a tie)."""
    top = tied(counts)
    return top[0] if len(top) == 1 else None


def tied(counts: Mapping[str, int]) -> tuple[str, ...]:
    """The choices sharing the highest number of votes (empty when nobody voted), sorted by id."""
    most = max(counts.values(), default=0)
    return tuple(sorted(choice for choice, votes in counts.items() if votes == most)) if most > 0 else ()


@dataclass(frozen=True)
class Verdict:
    """The vote at one decision, in the order the room sees the choices (choices nobody chose count 0)."""

    split: tuple[tuple[str, int], ...]
    majority: str | None
    tied: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(votes for _, votes in self.split)

    @property
    def is_tie(self) -> bool:
        return len(self.tied) > 1


def verdict(shown: Sequence[Choice], counts: Mapping[str, int]) -> Verdict:
    """The vote over ``shown`` (a decision's choices in the room's order); unknown choice ids are ignored."""
    known = {choice.id: counts.get(choice.id, 0) for choice in shown}
    return Verdict(split=tuple(known.items()), majority=majority(known), tied=tied(known))


def decide(vote: Verdict, override: str | None = None) -> str:
    """The choice the room takes: the facilitator's ``override`` if given, else the majority.

    Raises ``TieUndecided`` when there is no majority (a tie, or no votes) and no override.
    """
    if override is not None:
        if override not in dict(vote.split):
            raise WorkshopError(f"'{override}' is not one of the choices at this decision.")
        return override
    if vote.majority is None:
        if vote.is_tie:
            raise TieUndecided("The vote is tied: as the facilitator, pick one of the tied answers.")
        raise TieUndecided("Nobody has voted: pick an answer for the room, or open voting again.")
    return vote.majority


def letter(shown: Sequence[Choice], choice_id: str) -> str:
    """The letter (A-D) a choice has in ``shown``, the order the room sees (``run.choices_shown(node)``)."""
    ids = [choice.id for choice in shown]
    return LETTERS[ids.index(choice_id)] if choice_id in ids else "?"


def room_answers(decided: Decided) -> dict[str, float]:
    """The room's own answer at a decision, as weights: the majority (1), or each tied answer equally.

    Empty when nobody voted: the room said nothing there, whatever the facilitator then picked.
    """
    top = tied(decided.votes)
    return {choice_id: 1 / len(top) for choice_id in top}


# --- the room's review: debrief, comparison, struggles ----------------------------------------

@dataclass(frozen=True)
class ChoiceShare:
    choice_id: str
    letter: str
    say: str
    room_votes: int
    room_share: float
    self_paced: int
    self_paced_share: float | None
    """None when too few self-paced learners answered this decision to compare."""
    taken: bool
    most_voted: bool


@dataclass(frozen=True)
class DecisionReview:
    number: int
    customer: str
    shares: tuple[ChoiceShare, ...]
    room_votes: int
    self_paced_learners: int
    taken_say: str
    reaction: str
    feedback: str
    overridden: bool
    tie: bool
    anger_before: int
    anger_after: int
    evidence: tuple[tuple[str, str], ...]
    """(skill name, rating) of the answer the room took."""

    @property
    def comparable(self) -> bool:
        return self.self_paced_learners >= MIN_SELF_PACED


@dataclass(frozen=True)
class SkillStruggle:
    """How well the room's own answers (its majorities) did on one skill: credit, 0 (poor) to 1 (good)."""

    skill: str
    name: str
    credit: float
    weight: float
    """How many decisions' room answers rated this skill (a tied decision counts each answer in part)."""
    lesson: str | None

    @property
    def struggled(self) -> bool:
        """Below the "needs practice" edge, judged on the rounded figure shown (59.6% shows as 60%: not struggled)."""
        return band_of(shown_percent(self.credit)) == "needs practice"


@dataclass(frozen=True)
class RoomReview:
    scenario_title: str
    participants: int
    decisions: tuple[DecisionReview, ...]
    skills: tuple[SkillStruggle, ...]
    """Every skill the room's own answers touched, weakest first."""
    anger_curve: tuple[int, ...]
    best_curve: tuple[int, ...]
    room_score: float | None
    """The score of the room's own answers (its majority at each decision, ties shared), 0-100;
    None when nobody voted at any decision."""
    path_score: float
    """The score of the path actually taken, the facilitator's picks included (the run's score)."""
    overrides: int
    """Decisions where the facilitator took another answer than the room's majority."""
    ending_title: str | None
    ending_outcome: str | None
    ending_debrief: str | None
    ending_successful: bool

    @property
    def struggled(self) -> tuple[SkillStruggle, ...]:
        return tuple(skill for skill in self.skills if skill.struggled)


def review_room(
    course: Course, run: ScenarioRun, decisions: Sequence[Decided], *, participants: int,
    self_paced: Mapping[str, Mapping[str, int]] | None = None,
) -> RoomReview:
    """The room's way through its scenario, decision by decision, beside self-paced learners' first answers."""
    scenario = run.scenario
    by_number = {decided.decision: decided for decided in decisions}
    rows = []
    for number, step in enumerate(run.path, start=1):
        node = scenario.node(step.node_id)
        decided = by_number.get(number)
        if node is None or decided is None:
            continue
        rows.append(_decision_review(course, run.choices_shown(node), node, number, step.anger_before,
                                     step.anger_after, decided, (self_paced or {}).get(node.id, {})))
    ending = run.ending
    skills, room_score = _room_answers_credit(course, scenario, decisions)
    return RoomReview(
        scenario_title=scenario.title, participants=participants, decisions=tuple(rows), skills=skills,
        anger_curve=tuple(run.anger_curve), best_curve=tuple(best_anger_curve(course, scenario)),
        room_score=room_score, path_score=run.score, overrides=sum(1 for row in rows if row.overridden),
        ending_title=ending.title if ending else None,
        ending_outcome=OUTCOME_LABELS[ending.outcome] if ending else None,
        ending_debrief=debrief_for(ending, run.path) if ending else None,
        ending_successful=bool(ending and ending.successful),
    )


def _decision_review(course: Course, shown: Sequence[Choice], node: Node, number: int, before: int, after: int,
                     decided: Decided, learners: Mapping[str, int]) -> DecisionReview:
    votes = {choice.id: decided.votes.get(choice.id, 0) for choice in shown}
    learned = {choice.id: learners.get(choice.id, 0) for choice in shown}
    room_total, learner_total = sum(votes.values()), sum(learned.values())
    comparable = learner_total >= MIN_SELF_PACED
    shares = tuple(ChoiceShare(
        choice_id=choice.id, letter=LETTERS[index], say=choice.say, room_votes=votes[choice.id],
        room_share=votes[choice.id] / room_total if room_total else 0.0,
        self_paced=learned[choice.id] if comparable else 0,
        self_paced_share=learned[choice.id] / learner_total if comparable else None,
        taken=choice.id == decided.choice_id, most_voted=choice.id == decided.majority_choice_id,
    ) for index, choice in enumerate(shown))
    taken = node.choice(decided.choice_id)
    return DecisionReview(
        number=number, customer=node.customer, shares=shares, room_votes=room_total,
        self_paced_learners=learner_total if comparable else 0,
        taken_say=taken.say if taken else decided.choice_id, reaction=(taken.reaction or "") if taken else "",
        feedback=taken.feedback if taken else "", overridden=decided.overridden, tie=len(tied(votes)) > 1,
        anger_before=before, anger_after=after,
        evidence=tuple((_skill_name(course, s), rating) for s, rating in (taken.evidence.items() if taken else ())),
    )


def _room_answers_credit(course: Course, scenario: Scenario,
                         decisions: Sequence[Decided]) -> tuple[tuple[SkillStruggle, ...], float | None]:
    """Per skill, and over everything, the credit of the room's own answers (``room_answers``)."""
    credit: dict[str, float] = {}
    weight: dict[str, float] = {}
    ratings_credit, ratings_weight = 0.0, 0.0
    for decided in decisions:
        node = scenario.node(decided.node_id)
        if node is None:
            continue
        for choice_id, share in room_answers(decided).items():
            choice = node.choice(choice_id)
            for skill, rating in (choice.evidence.items() if choice else ()):
                credit[skill] = credit.get(skill, 0.0) + share * RATING_CREDIT[rating]
                weight[skill] = weight.get(skill, 0.0) + share
                ratings_credit += share * RATING_CREDIT[rating]
                ratings_weight += share
    found = []
    for skill, total in weight.items():
        lessons = course.lessons_teaching([skill])
        found.append(SkillStruggle(skill=skill, name=_skill_name(course, skill), credit=credit[skill] / total,
                                   weight=total, lesson=lessons[0].title if lessons else None))
    # Scored like a learner's run (score_evidence): the mean credit of every rating, as a percentage.
    score = round(100 * ratings_credit / ratings_weight, 1) if ratings_weight else None
    return tuple(sorted(found, key=lambda s: (s.credit, s.name))), score


def _skill_name(course: Course, skill: str) -> str:
    return course.skills[skill].name if skill in course.skills else skill


# --- exports -------------------------------------------------------------------------------------

CSV_COLUMNS = ("decision", "customer", "choice_id", "letter", "answer", "room_votes", "room_percent",
               "self_paced_learners", "self_paced_percent", "room_took_it", "most_votes", "facilitator_overrode")


def scores_line(review: RoomReview) -> str:
    """The room's own score beside the path taken, e.g. "The room's answers: 62% · The path taken: 75%
    (the facilitator overrode 1 decision)"."""
    own = "no votes" if review.room_score is None else f"{review.room_score:.0f}%"
    line = f"The room's answers: {own} · The path taken: {review.path_score:.0f}%"
    if review.overrides:
        line += f" (the facilitator overrode {review.overrides} decision{'s' if review.overrides != 1 else ''})"
    return line


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (the exports' rule, ``inert``)."""
    return inert("" if value is None else str(value))


def summary_csv(review: RoomReview) -> str:
    """One row per decision and choice: the room's votes beside self-paced learners' first answers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in review.decisions:
        for share in row.shares:
            writer.writerow([safe_cell(value) for value in (
                row.number, row.customer, share.choice_id, share.letter, share.say, share.room_votes,
                round(100 * share.room_share),
                share.self_paced if row.comparable else "",
                round(100 * share.self_paced_share) if share.self_paced_share is not None else "",
                "yes" if share.taken else "", "yes" if share.most_voted else "",
                "yes" if share.taken and row.overridden else "",
            )])
    return out.getvalue()


def summary_html(review: RoomReview, *, code: str, held_on: datetime) -> str:
    """A one-page, self-contained HTML report (no scripts, no external files) to send the client."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Workshop report: {e(review.scenario_title)}</title><style>{_REPORT_CSS}</style></head><body>",
        f"<h1>{e(review.scenario_title)}</h1>",
        f"<p class='meta'>Workshop room {e(code)} · {held_on:%d %B %Y} · {review.participants} participants · "
        f"{e(scores_line(review))}</p>",
    ]
    if review.ending_title:
        parts.append(f"<p class='ending'><b>{e(review.ending_title)}</b> ({e(review.ending_outcome or '')}). "
                     f"{e(review.ending_debrief or '')}</p>")
    parts.append(_anger_svg(review.anger_curve, review.best_curve))
    if review.struggled:
        items = "".join(f"<li><b>{e(s.name)}</b>: {s.credit:.0%} of full credit"
                        f"{' · revisit ' + e(s.lesson) if s.lesson else ''}</li>" for s in review.struggled)
        parts.append(f"<h2>Skills the room struggled with</h2><ul>{items}</ul>")
    else:
        parts.append("<h2>Skills</h2><p>The room's own answers earned at least 60% credit on every skill they "
                     "touched.</p>")
    parts.append("<h2>Decision by decision</h2><table><tr><th>#</th><th>Answer</th><th>Room</th>"
                 "<th>Self-paced learners (first answers)</th></tr>")
    for row in review.decisions:
        parts.append(f"<tr class='q'><td>{row.number}</td><td colspan='3'>“{e(row.customer)}”"
                     f"{' · facilitator overrode the vote' if row.overridden else ''}</td></tr>")
        for share in row.shares:
            mark = " ✔" if share.taken else ""
            learners = (_bar(share.self_paced_share, f"{share.self_paced}") if share.self_paced_share is not None
                        else "<span class='na'>too few to compare</span>")
            parts.append(f"<tr><td>{share.letter}</td><td>{e(share.say)}{mark}</td>"
                         f"<td>{_bar(share.room_share, str(share.room_votes))}</td><td>{learners}</td></tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def _bar(share: float, label: str) -> str:
    return (f"<div class='bar'><span style='width:{100 * share:.0f}%'></span></div>"
            f" {html.escape(label)} ({share:.0%})")


def _anger_svg(room: Sequence[int], best: Sequence[int]) -> str:
    width, height, longest = 520, 140, max(len(room), len(best), 2) - 1

    def points(curve: Sequence[int]) -> str:
        return " ".join(f"{20 + i * (width - 40) / longest:.0f},{10 + (100 - a) * (height - 30) / 100:.0f}"
                        for i, a in enumerate(curve))

    return (f"<svg width='{width}' height='{height}' role='img' aria-label='The customer’s anger over the "
            f"conversation'><polyline fill='none' stroke='#15803d' stroke-dasharray='6 4' stroke-width='2' "
            f"points='{points(best)}'/><polyline fill='none' stroke='#b91c1c' stroke-width='3' "
            f"points='{points(room)}'/><text x='20' y='{height - 4}' font-size='12'>Anger: the room (red) and the"
            f" best path (green, dashed), from the start to the end</text></svg>")


_REPORT_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:760px;margin:24px auto;color:#111;font-size:14px}"
    "h1{font-size:22px;margin-bottom:4px}h2{font-size:16px;margin-top:18px}.meta{color:#555}"
    "table{border-collapse:collapse;width:100%}td,th{padding:3px 6px;text-align:left;vertical-align:top}"
    "tr.q td{border-top:1px solid #ccc;padding-top:8px;font-style:italic}"
    ".bar{display:inline-block;width:90px;height:10px;background:#e5e7eb}.bar span{display:block;height:10px;"
    "background:#1d4ed8}.na{color:#777}@media print{body{margin:0}}"
)

