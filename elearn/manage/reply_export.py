"""The export of typed replies ("Say it your way") for managers, with names removed on request.

One row per reply the manager may read (``elearn.store.replies_with_names``): who (or, with
``anonymous``, a stable "Learner N" numbered in order of first reply, so one person's replies
still read together), the scenario and decision, the answer picked as closest, whether it was a
first attempt, when, what was typed, and the rubric's phrases found in it. Every text cell is
made inert against formula injection (``elearn.manage.exports.inert``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from elearn.course.catalogue import Course
from elearn.manage.exports import inert
from elearn.play.own_words import notice
from elearn.store.replies import NamedReply

COLUMNS = ["learner", "username", "scenario", "decision", "closest answer", "first attempt", "typed at (UTC)",
           "typed reply", "inflaming phrases", "helpful phrases"]


def replies_csv(course: Course, replies: Iterable[NamedReply], *, anonymous: bool) -> bytes:
    """The replies as UTF-8 CSV with a byte-order mark; ``anonymous`` leaves names and usernames out."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    numbers: dict[int, int] = {}
    for named in replies:
        reply = named.reply
        numbers.setdefault(reply.user_id, len(numbers) + 1)
        scenario = course.scenario(reply.scenario_id)
        said = notice(course.rubric, scenario, reply.text) if course.rubric and scenario else None
        inflaming = "; ".join(hit.phrase.id for hit in said.inflaming) if said else ""
        helpful = "; ".join(hit.phrase.id for hit in said.helpful) if said else ""
        who = [f"Learner {numbers[reply.user_id]}", ""] if anonymous else [named.display_name, named.username]
        cells = [*who, reply.scenario_id, reply.node_id, reply.choice_id, "yes" if reply.first_attempt else "no",
                 reply.typed_at.strftime("%Y-%m-%d %H:%M"), reply.text, inflaming, helpful]
        writer.writerow([inert(cell) for cell in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
