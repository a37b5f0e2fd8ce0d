"""Workshop mode's voting rules, pure: the majority and ties, the letters of the shown choices,
the room's own answer at each decision.

A room shows each decision's choices in the order its run's seed gives (``ScenarioRun.choices_shown``),
so the projector, the phones, the facilitator's controls and the summary use the same letters.
The room's own answer at a decision is its majority vote (a tie counts each tied answer
equally).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from elearn.course.schema import Choice
from elearn.errors import ElearnError

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
