"""A separate process that records choice events, for the concurrency and crash tests.

    python writer.py URL DATA_DIR SESSION_TOKEN ATTEMPT_ID PREFIX COUNT [answer]

Prints ``ready`` once connected, waits for a line on stdin (so that all writers start together),
then records COUNT events (0: until killed) keyed ``PREFIX-<n>``, printing and flushing each key
only after ``record_choice`` has returned. Exits 0 after printing ``done``. With ``answer``, each
event goes through ``record_answer`` as the scenario player records it (with its run).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from elearn.store import NewChoice, open_store, record_answer, record_choice, session_user

RATINGS = ("good", "partial", "poor")
EPOCH = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def choice_for(prefix: str, attempt_id: int, n: int) -> NewChoice:
    """The n-th event a writer records; the tests recompute it to check what was stored."""
    return NewChoice(
        event_key=f"{prefix}-{n}",
        attempt_id=attempt_id,
        node_id=f"node-{n % 7}",
        choice_id=f"choice-{n % 3}",
        evidence={"empathy": RATINGS[n % 3], "boundaries": RATINGS[(n + 1) % 3]},
        anger_before=n % 101,
        anger_after=(n * 7) % 101,
        first_attempt=n % 2 == 0,
        occurred_at=EPOCH + timedelta(milliseconds=n),
    )


def main(arguments: list[str]) -> None:
    url, data_dir, token, attempt_arg, prefix, count_arg, *mode = arguments
    attempt_id, count = int(attempt_arg), int(count_arg)
    store = open_store(url, Path(data_dir))
    user = session_user(store, token, EPOCH)
    if user is None:
        raise SystemExit("writer: the session token did not sign in")
    print("ready", flush=True)
    sys.stdin.readline()
    n = 0
    while count == 0 or n < count:
        choice = choice_for(prefix, attempt_id, n)
        if mode == ["answer"]:
            record_answer(store, user, choice, "{}", choice.occurred_at)
        else:
            record_choice(store, user, choice)
        print(f"{prefix}-{n}", flush=True)
        n += 1
    print("done", flush=True)
    store.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
