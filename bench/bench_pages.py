"""Script-run time of the learner's heaviest pages beside a blank page, in one process.

    python bench/bench_pages.py [--attempts 500] [--runs 30]

A learner with ``--attempts`` finished scenario attempts (and their choice events) is created
in a fresh SQLite database; each page is then run ``--runs`` times through Streamlit's AppTest
runner, signed in as that learner, and the median and p95 run times are printed with their
ratio to a blank page run the same way. It never asserts on time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent


def seed_learner(data_dir: Path, attempts: int) -> tuple[str, str]:
    """Create a learner with ``attempts`` finished attempts; return (session token, scenario in progress)."""
    from elearn.course.catalogue import load_course
    from elearn.play.engine import choose, start
    from elearn.store import (
        NewChoice,
        create_user,
        finish_attempt,
        open_store,
        record_choice,
        start_attempt,
        start_session,
        upgrade,
    )

    course = load_course(REPO)
    store = open_store(None, data_dir)
    upgrade(store)
    moment = datetime.now(UTC) - timedelta(days=60)
    user = create_user(store, username="busy", display_name="Busy Learner", password="correct horse battery",
                       now=moment)
    for index in range(attempts):
        scenario = course.scenarios[index % len(course.scenarios)]
        run = start(scenario)
        attempt = start_attempt(store, user, scenario.id, scenario.version, run_json=run.to_json(), now=moment)
        while run.node is not None:
            run = choose(run, run.node.choices[(index + len(run.path)) % len(run.node.choices)].id)
            step = run.log[-1]
            record_choice(store, user, NewChoice(
                event_key=f"a{attempt.id}-{len(run.log)}", attempt_id=attempt.id, node_id=step.node_id,
                choice_id=step.choice_id, evidence=dict(step.evidence), anger_before=step.anger_before,
                anger_after=step.anger_after, first_attempt=step.first_attempt, occurred_at=moment))
        assert run.ending is not None
        finish_attempt(store, user, attempt.id, ending_id=run.ending.id, outcome=run.ending.outcome,
                       score=run.score, run_json=run.to_json(), now=moment)
        moment += timedelta(minutes=100)
    # One attempt in progress, two answers in, for the scenario page.
    scenario = course.scenarios[0]
    run = start(scenario)
    best = course.analyses[scenario.id].best.steps
    for step in best[:2]:
        run = choose(run, step.choice_id)
    start_attempt(store, user, scenario.id, scenario.version, run_json=run.to_json(), now=datetime.now(UTC))
    token = start_session(store, user.id, datetime.now(UTC))
    store.dispose()
    return token, scenario.id


def _launch(app_path: str) -> None:
    import runpy

    runpy.run_path(app_path, run_name="__main__")


def _blank() -> None:
    import streamlit as st

    st.title("Blank")


def time_page(page: str | None, token: str, params: dict[str, str], runs: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    if page is None:
        at = AppTest.from_function(_blank, default_timeout=60)
    else:
        at = AppTest.from_function(_launch, args=(str(REPO / "app.py"),), default_timeout=60)
        at.session_state["session_token"] = token
        at.run()
        at.query_params.update(params)
        at.switch_page(str(REPO / "pages" / f"{page}.py"))
    at.run()  # warm: content and store opened once per process, as in a server
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - started)
        assert not at.exception, at.exception
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=500)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    os.environ["ELEARN_DATA_DIR"] = str(data_dir)
    os.environ.pop("ELEARN_DATABASE_URL", None)
    started = time.perf_counter()
    token, scenario_id = seed_learner(data_dir, args.attempts)
    print(f"Seeded a learner with {args.attempts} finished attempts in {time.perf_counter() - started:.1f} s")

    rows = [
        ("blank page (baseline)", time_page(None, token, {}, args.runs)),
        ("course home", time_page("home", token, {}, args.runs)),
        ("scenario page (2 answers in)", time_page("scenario", token, {"scenario": scenario_id}, args.runs)),
        ("my skills", time_page("skills", token, {}, args.runs)),
    ]
    baseline = statistics.median(rows[0][1])
    print(f"{'page':32} {'median ms':>10} {'p95 ms':>10} {'x blank':>8}")
    for name, samples in rows:
        median = statistics.median(samples)
        p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
        print(f"{name:32} {median * 1000:10.1f} {p95 * 1000:10.1f} {median / baseline:8.2f}")


if __name__ == "__main__":
    main()
