"""The xAPI statements of what a learner just did, for the LRS: built as the export builds them.

The answer's "answered", and with the attempt's finish its "completed" (and "passed" when the
pass rule says so), come from ``elearn.manage.exports``, from the same facts and with the same
ids (``XapiSource.statement_id``): a statement sent live and the same one in an export are one
statement to an LRS. Each answered statement carries its decision's full definition (an LRS
gets them one at a time, with no guarantee which arrives first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from elearn.manage.exports import XapiSource, answered, lesson_completed, scenario_finished
from elearn.store.analytics import ExportEvent, FinishedAttempt
from elearn.store.records import Attempt, Finish, NewChoice


def answer_statements(source: XapiSource, username: str, attempt: Attempt, choice: NewChoice,
                      finish: Finish | None, finished_at: datetime) -> list[dict[str, Any]]:
    """The statements of ``choice`` in ``attempt`` by ``username``, and of the attempt's
    ``finish`` (at ``finished_at``) when the answer ended it."""
    event = ExportEvent(
        id=0, event_key=choice.event_key, username=username, attempt_id=attempt.id, scenario_id=attempt.scenario_id,
        scenario_version=attempt.scenario_version, node_id=choice.node_id, choice_id=choice.choice_id,
        anger_before=choice.anger_before, anger_after=choice.anger_after, attempt_number=attempt.attempt_number,
        first_attempt=choice.first_attempt, occurred_at=choice.occurred_at,
    )
    found = [answered(source, event)]
    if finish is not None:
        found.extend(scenario_finished(source, FinishedAttempt(
            id=attempt.id, username=username, scenario_id=attempt.scenario_id,
            scenario_version=attempt.scenario_version, attempt_number=attempt.attempt_number,
            started_at=attempt.started_at, finished_at=finished_at, ending_id=finish.ending_id,
            outcome=finish.outcome, score=finish.score,
        )))
    return found


def lesson_statements(source: XapiSource, username: str, lesson_id: str, title: str,
                      completed_at: datetime) -> list[dict[str, Any]]:
    """The "completed" statement of a lesson ``username`` marked done."""
    return [lesson_completed(source, username, lesson_id, title, completed_at)]
