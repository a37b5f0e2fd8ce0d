"""One measured run: start the servers, run the users, stop the servers, check the database.

Shared by bench/bench_load.py (the figures) and tests/load/ (the CI smoke test).
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import pyspy
from bench.harness.learners import Audit, LearnerJourney, Ledger, audit
from bench.harness.load import Journey, Options, Phase, User, run_phase
from bench.harness.servers import APP, BLANK, REPO, TWIN, Deployment, deploy, temporary_database, upgrade_database


@dataclass
class Setup:
    """How the servers run: processes (2+ behind nginx), database kind, extra Streamlit flags."""

    processes: int = 1
    db: str = "sqlite"
    flags: list[str] = field(default_factory=list)
    per_step_cpu: bool = False
    py_spy: str | None = None  # path to a py-spy binary: sample the app servers while the load runs
    proxy: bool = False  # nginx in front even of one process

    def describe(self) -> str:
        extra = f", {' '.join(self.flags)}" if self.flags else ""
        proxy = " behind nginx" if self.processes > 1 or self.proxy else ""
        return f"{self.processes} process(es){proxy}, {self.db}{extra}"


def blank_journey(steps: int) -> Journey:
    """The baseline visit: open the blank page, then click "Next": as many interactions as the app's visit."""

    async def visit(user: User) -> None:
        async with user.browse() as tab:
            await user.act("open app", lambda: tab.open(), tab)
            for _ in range(max(0, steps - 1)):
                button = tab.view.widget(key="next")
                if button is None:
                    raise RuntimeError("the blank page lost its button")
                await user.act("click", lambda b=button: tab.click(b), tab)  # type: ignore[misc]

    return visit


def server_tracebacks(deployment: Deployment) -> list[str]:
    """The tracebacks in the servers' logs (ui/errors.py logs every unexpected failure of a page in
    full), each as its last lines: where it failed and the exception."""
    found = []
    for server in deployment.servers:
        log = server.log.read_text(errors="replace")
        for block in log.split("Traceback (most recent call last):")[1:]:
            lines = [line for line in block.splitlines() if line.strip()]
            ending = next((i for i, line in enumerate(lines) if not line.startswith((" ", "\t"))), len(lines) - 1)
            where = next((line.strip() for line in reversed(lines[:ending]) if line.strip().startswith("File ")), "")
            found.append(f"port {server.port}: {lines[ending].strip()} ({where})" if lines else f"port {server.port}")
    return found


async def measure(deployment: Deployment, label: str, journey: Journey, options: Options, setup: Setup,
                  profile_dir: Path | None = None, warm_up: Journey | None = None) -> Phase:
    """Run the users against ``deployment``; profile it with py-spy if the setup says so."""
    recorders: list[subprocess.Popen[bytes]] = []
    outputs = [(profile_dir or Path()) / f"py-spy-{s.port}.txt" for s in deployment.servers]

    def start_profiling() -> None:
        if setup.py_spy and profile_dir is not None:
            recorders.extend(pyspy.record(setup.py_spy, server.process.pid, options.duration, out)
                             for server, out in zip(deployment.servers, outputs, strict=True))

    phase = await run_phase(label, deployment.url, deployment.pids, journey, options, per_step_cpu=setup.per_step_cpu,
                            after_warm_up=start_profiling, warm_up=warm_up)
    for recorder in recorders:
        recorder.wait(timeout=120)
    if recorders:
        phase.profile = pyspy.summarise(outputs, REPO, seconds=options.duration, interactions=phase.interactions)
    phase.errors += [f"traceback in the server log, {where}" for where in server_tracebacks(deployment)]
    return phase


def run_blank(options: Options, steps: int, setup: Setup, workdir: Path) -> Phase:
    with deploy(BLANK, {}, setup.processes, workdir / "blank", proxy=setup.proxy, flags=setup.flags) as deployment:
        return asyncio.run(measure(deployment, "blank page", blank_journey(steps), options, setup))


def run_twin(options: Options, setup: Setup, workdir: Path) -> Phase:
    """The learner journey against the static twin (bench/harness/static_twin.py): the same pages'
    elements from fixed data, served and driven exactly like the app. Nothing is stored to check."""
    from bench.harness import twin_data

    folder = workdir / "twin"
    folder.mkdir(parents=True, exist_ok=True)
    data = twin_data.write(REPO, folder / "twin-data.json")
    ledger = Ledger(prefix=f"twin{uuid.uuid4().hex[:6]}-")
    with deploy(TWIN, {"ELEARN_TWIN_DATA": str(data)}, setup.processes, folder, proxy=setup.proxy,
                flags=setup.flags) as deployment:
        return asyncio.run(measure(deployment, "static twin", LearnerJourney(ledger), options, setup, folder))


def run_learners(options: Options, setup: Setup, workdir: Path) -> tuple[Phase, Audit]:
    """The learner journey on a fresh database, then the database check (its failures are errors)."""
    ledger = Ledger(prefix=f"load{uuid.uuid4().hex[:6]}-")
    with temporary_database(setup.db, workdir / "db") as database:
        upgrade_database(database)
        with deploy(APP, database.env(), setup.processes, workdir / "app", proxy=setup.proxy,
                    flags=setup.flags) as deployment:
            phase = asyncio.run(measure(deployment, "learners", LearnerJourney(ledger), options, setup, workdir))
        checked = audit(database, ledger)
    if not checked.ok:
        phase.errors.append(f"database check failed: {checked.summary()}; lost {checked.missing[:3]}, "
                            f"extra {checked.unexpected[:3]}, wrong {checked.wrong_choice[:3]}")
    phase.extra.update({"choices": checked.checked, "stored_once": checked.stored_once,
                        "lost": len(checked.missing), "extra": len(checked.unexpected)})
    return phase, checked


def steps_per_visit(phase: Phase) -> int:
    return max(2, round(phase.interactions / max(1, phase.visits)))


@dataclass
class WorkshopResult:
    app: Phase
    blank: Phase
    visible: list[float]  # seconds from a first vote's tap to the presenter screen counting it
    refresh_interval: float
    problems: list[str]
    question_seen: list[float] = field(default_factory=list)  # Open voting tapped -> a phone shows the answers
    result_seen: list[float] = field(default_factory=list)  # Reveal tapped -> a phone shows the split
    quiet_cpu: dict[str, tuple[float, float]] = field(default_factory=dict)  # window -> (server CPU s, wall s)
    phone_check_interval: float = 0.0


def run_workshop(options: Options, setup: Setup, workdir: Path, decisions: int) -> WorkshopResult:
    """One presenter (user 0) and ``options.users - 1`` phones in one room, then the same timeline on the blank page."""
    from bench.harness import workshop

    room = workshop.Room()
    journey = workshop.Workshop(decisions, room)
    with temporary_database(setup.db, workdir / "db") as database:
        upgrade_database(database)
        workshop.create_facilitator(database)
        with deploy(APP, database.env(), setup.processes, workdir / "app", proxy=setup.proxy,
                    flags=setup.flags) as deployment:
            room.server_pids = deployment.pids
            app = asyncio.run(measure(deployment, "workshop", journey, options, setup, workdir,
                                      warm_up=workshop.warm_up))
        problems = workshop.audit_room(database, room) if room.code else ["the presenter never opened a room"]
    app.errors.extend(f"database check: {problem}" for problem in problems)
    app.extra.update({"votes_stored_checked": float(len(room.final_votes)), "joined": float(len(room.joined)),
                      "missing_controls": float(room.missing_controls),
                      **{f"unanswered {step}": float(count) for step, count in room.unanswered_ticks.items()}})
    last = max((offset for steps in app.timeline.values() for offset, _ in steps), default=0.0)
    again = Options(users=options.users, think=options.think, duration=last + 5.0, visits=1, ramp=0.0,
                    grace=options.grace, seed=options.seed, quickack=options.quickack)
    with deploy(BLANK, {}, setup.processes, workdir / "blank", proxy=setup.proxy, flags=setup.flags) as deployment:
        blank = asyncio.run(measure(deployment, "blank page, same timeline", workshop.replay(app.timeline), again,
                                    setup, warm_up=blank_journey(2)))
    from ui.workshop import PHONE_CHECK_SECONDS

    return WorkshopResult(app, blank, workshop.vote_visibility(room), workshop.REFRESH_SECONDS, problems,
                          room.question_seen, room.result_seen, room.quiet_cpu, PHONE_CHECK_SECONDS)


def run_managers(options: Options, setup: Setup, workdir: Path, learners: int, seed: int) -> tuple[Phase, Phase]:
    """User 0 (an administrator) and ``options.users - 1`` managers on the demo database's dashboard,
    then the same users and think time on the blank page."""
    from bench.harness import managers

    (workdir / "data").mkdir(parents=True, exist_ok=True)
    database = managers.demo_database(learners, seed, max(1, options.users - 1), workdir / "data")
    with deploy(APP, database.env(), setup.processes, workdir / "app", proxy=setup.proxy,
                flags=setup.flags) as deployment:
        app = asyncio.run(measure(deployment, "managers", managers.manager_visit, options, setup, workdir))
    blank = run_blank(options, steps_per_visit(app), setup, workdir)
    return app, blank
