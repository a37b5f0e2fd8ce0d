"""Simulated users: each opens its own tab (websocket session), acts, thinks, and repeats its journey.

Bounds: a user starts no new interaction after ``duration`` seconds and makes at most
``visits`` journeys; the whole phase is cut off ``grace`` seconds after the deadline. Users
arrive spread over ``ramp`` seconds so the load does not start as one burst. Think time is
uniform in [0.5, 1.5] x ``think``, from a random generator seeded per user, so two runs with
the same seed make the same choices where the app lets them.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bench.harness.procstats import Sampler, Usage, cpu_seconds, descendants
from bench.harness.protocol import ProtocolError, Tab


class JourneyError(Exception):
    """The app did not show what the journey expected (a missing button, a refusal, an error)."""


class TimeUp(Exception):
    """The phase's deadline passed: the user stops where they are (not an error)."""


@dataclass
class Phase:
    """Everything measured while one group of users ran against one deployment."""

    label: str
    users: int
    latencies: list[float] = field(default_factory=list)
    by_step: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    visits: int = 0
    completed_visits: int = 0
    usage: Usage = field(default_factory=Usage)
    extra: dict[str, float] = field(default_factory=dict)
    step_cpu: dict[str, list[float]] = field(default_factory=dict)
    step_traffic: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # step -> (messages, bytes) each
    cpu_pids: list[int] = field(default_factory=list)  # set: attribute server CPU to steps (one user only)
    profile: str = ""  # a py-spy summary, when one was taken
    started: float = 0.0  # time.monotonic() when the measured part began (after the warm-up)
    timeline: dict[int, list[tuple[float, str]]] = field(default_factory=dict)  # user -> (offset, step)

    def record(self, step: str, seconds: float) -> None:
        self.latencies.append(seconds)
        self.by_step.setdefault(step, []).append(seconds)

    @property
    def interactions(self) -> int:
        return len(self.latencies)


@dataclass
class Options:
    users: int
    think: float = 5.0
    duration: float = 90.0
    visits: int = 1000
    ramp: float | None = None  # default: one think time
    grace: float = 90.0
    seed: int = 1
    quickack: bool = False  # see Tab: measure the server without the loopback delayed-ACK stall


class User:
    """One simulated person: their random stream, their tabs, and the phase they report to."""

    def __init__(self, index: int, url: str, phase: Phase, options: Options, deadline: float) -> None:
        self.index = index
        self.url = url
        self.phase = phase
        self.options = options
        self.deadline = deadline
        self.rng = random.Random(options.seed * 100_003 + index)
        self.visits = 0
        self.state: dict[str, object] = {}  # what a journey remembers between visits (an account)

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    async def act(self, step: str, action: Callable[[], Awaitable[float]], tab: Tab, *, think: bool = True) -> None:
        """Do one interaction, record its latency, check the page for errors, then think."""
        if self.expired:
            raise TimeUp
        pids = self.phase.cpu_pids
        before = cpu_seconds(pids) if pids else 0.0
        self.phase.timeline.setdefault(self.index, []).append((time.monotonic() - self.phase.started, step))
        messages, received = tab.received, tab.received_bytes
        seconds = await action()
        self.phase.step_traffic.setdefault(step, []).append((tab.received - messages, tab.received_bytes - received))
        if pids:
            await asyncio.sleep(0.05)  # let the server finish sending before reading its CPU
            self.phase.step_cpu.setdefault(step, []).append(cpu_seconds(pids) - before)
        self.phase.record(step, seconds)
        problems = tab.view.problems()
        if problems:
            raise JourneyError(f"{step}: {'; '.join(problems)}")
        if think:
            await self.pause()

    async def pause(self, factor: float = 1.0) -> None:
        await asyncio.sleep(self.options.think * factor * self.rng.uniform(0.5, 1.5))

    @asynccontextmanager
    async def browse(self) -> AsyncIterator[Tab]:
        tab = Tab(self.url, quickack=self.options.quickack)
        try:
            yield tab
        finally:
            await tab.close()


Journey = Callable[[User], Awaitable[None]]
"""One visit of one user: open a tab, do the steps, close it."""


async def _user_loop(user: User, journey: Journey, start_delay: float) -> None:
    await asyncio.sleep(start_delay)
    while not user.expired and user.visits < user.options.visits:
        user.visits += 1
        user.phase.visits += 1
        try:
            await journey(user)
            user.phase.completed_visits += 1
        except TimeUp:
            return
        except (ProtocolError, JourneyError, OSError, TimeoutError) as error:
            user.phase.errors.append(f"user {user.index}: {type(error).__name__}: {error}")
            await user.pause()


async def run_phase(label: str, url: str, pids: list[int], journey: Journey, options: Options,
                    users: list[User] | None = None, per_step_cpu: bool = False,
                    after_warm_up: Callable[[], object] | None = None, warm_up: Journey | None = None) -> Phase:
    """Run ``options.users`` users through ``journey`` against ``url``; measure the servers ``pids``.

    ``per_step_cpu`` reads the servers' CPU around every step: only meaningful with one user."""
    phase = Phase(label, options.users)
    await _warm_up(url, warm_up or journey, options, phase)
    if after_warm_up is not None:
        after_warm_up()
    if per_step_cpu:
        phase.cpu_pids = descendants(pids)
    deadline = time.monotonic() + options.duration
    crowd = users or [User(i, url, phase, options, deadline) for i in range(options.users)]
    for user in crowd:
        user.phase, user.url, user.deadline = phase, url, deadline
    ramp = options.think if options.ramp is None else options.ramp
    sampler = Sampler(pids)
    sampler.start()
    phase.started = time.monotonic()
    tasks = [asyncio.create_task(_user_loop(u, journey, ramp * i / max(1, len(crowd)))) for i, u in enumerate(crowd)]
    done, pending = await asyncio.wait(tasks, timeout=options.duration + options.grace)
    for task in pending:
        task.cancel()
        phase.errors.append("a user was still busy at the hard time limit (cut off)")
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            phase.errors.append(f"user task crashed: {task.exception()!r}")
    phase.usage = await sampler.stop()
    return phase


async def _warm_up(url: str, journey: Journey, options: Options, phase: Phase) -> None:
    """One quick visit before measuring, as a server that has been up a while has done: the course is
    loaded and the page scripts compiled. Its figures are not kept; an error in it is."""
    quick = Options(users=1, think=0.02, duration=120, visits=1, seed=options.seed, quickack=options.quickack)
    scratch = Phase("warm-up", 1)
    user = User(options.users, url, scratch, quick, time.monotonic() + quick.duration)
    await _user_loop(user, journey, 0.0)
    phase.errors.extend(f"warm-up: {error}" for error in scratch.errors)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]
