"""The revealed vote's text alternative (the presenter's split chart), as ``ChartText``."""

from __future__ import annotations

from collections.abc import Mapping

from elearn.learner.chart_text import ChartText
from elearn.workshop.rules import LETTERS, Verdict


def split_text(vote: Verdict, says: Mapping[str, str]) -> ChartText:
    """The votes per answer, by the projector's letters; ``says`` maps choice ids to their words."""
    total = vote.total
    shares = [(LETTERS[index], choice_id, votes) for index, (choice_id, votes) in enumerate(vote.split)]
    counted = ", ".join(f"{letter} {votes}" for letter, _, votes in shares)
    if vote.majority is not None:
        top = next(letter for letter, choice_id, _ in shares if choice_id == vote.majority)
        outcome = f"most voted {top}"
    elif vote.is_tie:
        outcome = "a tie between " + " and ".join(letter for letter, choice_id, _ in shares if choice_id in vote.tied)
    else:
        outcome = "no votes"
    summary = f"The room's votes: {counted} ({total} in all); {outcome}."
    rows = tuple((letter, says.get(choice_id, choice_id), str(votes), f"{votes / (total or 1):.0%}")
                 for letter, choice_id, votes in shares)
    return ChartText("The room's votes", summary, ("Letter", "Answer", "Votes", "Share"), rows)
