"""The scenario player's persistence: every answer is saved before the page shows its result.

The run lives in the store, not in ``st.session_state``: a reload, a new tab, a sign-out or a
server restart resumes exactly where the learner was. Each answer is one transaction
(``elearn.store.record_answer``): its choice event, keyed by (attempt, position in the run's
log) so that a retried or repeated click never records twice, the run after it and, when a
Learning Record Store is configured, the answer's xAPI statements (``ui.lrs``). The run's
seed (the order its choices are shown in) is saved with it, so a resume shows the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from elearn.course.schema import Scenario
from elearn.errors import StaleRunError
from elearn.lrs.statements import answer_statements
from elearn.play.engine import ScenarioRun, choose, display_order, from_json, rewind, start
from elearn.store import (
    Attempt,
    Finish,
    NewChoice,
    User,
    attempts_for,
    get_attempt,
    record_answer,
    save_run,
    start_attempt,
)
from ui.lrs import xapi_source
from ui.lti_grades import after_progress
from ui.store import current_store, now


@dataclass(frozen=True)
class Loaded:
    attempt: Attempt | None
    run: ScenarioRun | None
    notice: str = ""


def load(user: User, scenario: Scenario) -> Loaded:
    """The learner's attempt at ``scenario``: the latest one in progress, else the last finished one.

    A saved run that no longer fits the scenario (it changed) is set aside with a notice; the
    learner's recorded answers still count.
    """
    attempts = attempts_for(current_store(), user, user.id, scenario.id)
    attempt = next((a for a in reversed(attempts) if a.in_progress), None)
    if attempt is not None:
        try:
            run = from_json(attempt.run_json, scenario)
        except StaleRunError as stale:
            return Loaded(None, None, str(stale))
        return Loaded(attempt, run)
    finished = [a for a in attempts if not a.in_progress]
    if finished:
        last = get_attempt(current_store(), user, max(finished, key=lambda a: a.attempt_number).id)
        try:
            return Loaded(last, from_json(last.run_json, scenario))
        except StaleRunError:
            return Loaded(None, None)
    return Loaded(None, None)


def begin(user: User, scenario: Scenario, previous: ScenarioRun | None = None) -> tuple[Attempt, ScenarioRun]:
    """Start a new attempt whose choices are shown in an order of its own.

    The seed is the attempt's id, so two attempts started one after the other (by this learner
    or by two learners) show different orders at every decision. After ``previous`` (the attempt
    the learner just finished) the first decision never repeats its order.
    """
    first = scenario.node(scenario.start)

    def seeded(attempt_id: int) -> ScenarioRun:
        seed = attempt_id
        if previous is not None and first is not None and \
                display_order(first, seed) == display_order(first, previous.seed):
            seed += 1  # the next order in the node's sequence: never the same as the seed before
        return start(scenario, seed=seed)

    # One transaction: the attempt and its seeded run (the seed is the new attempt's id).
    attempt = start_attempt(current_store(), user, scenario.id, scenario.version, run_json=start(scenario).to_json(),
                            now=now(), seeded_run=lambda attempt_id: seeded(attempt_id).to_json())
    return attempt, seeded(attempt.id)


def answer(user: User, attempt: Attempt, run: ScenarioRun, choice_id: str,
           typed_reply: str | None = None) -> ScenarioRun:
    """Apply the learner's choice and store it with the run after it (finishing the attempt at an ending),
    and with ``typed_reply``, what they typed before seeing the answers ("Say it your way")."""
    after = choose(run, choice_id)
    ending = after.ending
    finish = Finish(ending.id, ending.outcome, after.score) if ending is not None else None
    moment = now()
    choice = _choice(attempt, after, len(after.log) - 1, moment)
    source = xapi_source()  # None: no LRS configured, nothing to queue
    statements = answer_statements(source, user.username, attempt, choice, finish, moment) if source else []
    record_answer(current_store(), user, choice, after.to_json(), moment, finish, typed_reply=typed_reply,
                  statements=statements)
    if finish is not None:
        after_progress(user)  # the LMS's gradebook, if the learner came from one (ui/lti_grades.py)
    return after


def step_back(user: User, attempt: Attempt, run: ScenarioRun) -> ScenarioRun:
    """Rewind one answer (only while the attempt is in progress)."""
    after = rewind(run)
    save_run(current_store(), user, attempt.id, after.to_json(), now())
    return after


def _choice(attempt: Attempt, run: ScenarioRun, index: int, moment: datetime) -> NewChoice:
    step = run.log[index]
    return NewChoice(
        event_key=f"attempt-{attempt.id}-answer-{index}", attempt_id=attempt.id, node_id=step.node_id,
        choice_id=step.choice_id, evidence=dict(step.evidence), anger_before=step.anger_before,
        anger_after=step.anger_after, first_attempt=step.first_attempt, occurred_at=moment,
    )
