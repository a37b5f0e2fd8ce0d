"""A workshop under load: one presenter and a room of phones, over Streamlit's own protocol.

The presenter signs in, opens a room from the rooms page and keeps the presenter view open: its
live part is an ``st.fragment(run_every=...)``, which this client reruns on the interval the
server asks for (``auto_rerun``), as the browser's timer does. The presenter alone runs for
``QUIET_SECONDS`` first (its own cost). Phones then arrive over ``ramp`` seconds, open the QR link
(``/join?room=CODE``), type a nickname and join; each phone's page has its own small timer (the
room check, ``ui.workshop.PHONE_CHECK_SECONDS``), rerun here as the browser would. With every phone
in, the room waits ``QUIET_SECONDS`` more (the cost of the waiting phones). For each decision the
presenter opens voting; each phone shows the answers by itself, the person reads them and votes
(some change their mind once), and the presenter reveals when every phone has voted (or after a
time-out), then goes with the room. Nobody taps Refresh: there is none.

Measured: every interaction's latency (a phone's vote among them); for each first vote, the time
from the tap to the first presenter refresh whose "Votes in" count includes it; for each phone and
decision, the time from the presenter's tap on "Open voting" (and on "Reveal") to the phone
showing the answers (the result) without a tap; the servers' CPU in the two quiet windows.
Checked: the room's stored split at every decision equals the final votes the phones cast, and no
phone or presenter saw an error. The same timeline replayed on the blank page is the baseline.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.harness.load import JourneyError, TimeUp, User
from bench.harness.procstats import cpu_seconds, descendants
from bench.harness.protocol import NoAnswer, Tab, Widget
from bench.harness.servers import Database
from elearn.workshop.rules import LETTERS

FACILITATOR = "bench-facilitator"
PASSWORD = "calm under load 1"
_JOINED = re.compile(r"(\d+) joined")
_VOTES_IN = re.compile(r"^(\d+) of (\d+)$")
VOTE_WAIT = 30.0  # the presenter reveals after this long even if some phones have not voted
REFRESH_SECONDS = 1.0  # ui/workshop.py's REFRESH_SECONDS; the client reruns at whatever the server asks
PHONE_CHECK_SECONDS = 1.5  # ui/workshop.py's PHONE_CHECK_SECONDS, likewise
QUIET_SECONDS = 15.0  # each CPU window: the presenter alone, then with every phone waiting
TICK_PATIENCE = 4.0
"""Intervals a timer's rerun may take before the next tick goes anyway. The browser's timer is a
``setInterval`` that never waits for an answer; waiting here keeps one tick's latency per
interaction, and four intervals is well past the slowest answered check seen (under 4 s at 1.5 s)."""


@dataclass
class Sighting:
    """One presenter refresh: when its result arrived and what the screen said."""

    at: float
    decision: int
    votes_in: int
    joined: int


@dataclass
class FirstVote:
    decision: int
    tapped: float
    stored: float  # when the phone's rerun finished: the vote is committed by then


@dataclass
class Room:
    """What the projector shows the room, shared by the simulated people."""

    code: str = ""
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    decision: int = 0
    voting: dict[int, asyncio.Event] = field(default_factory=dict)
    revealed: dict[int, asyncio.Event] = field(default_factory=dict)
    over: asyncio.Event = field(default_factory=asyncio.Event)
    sightings: list[Sighting] = field(default_factory=list)
    first_votes: list[FirstVote] = field(default_factory=list)
    final_votes: dict[tuple[str, int], str] = field(default_factory=dict)  # (nickname, decision) -> choice
    joined: set[str] = field(default_factory=set)
    missing_controls: int = 0  # presenter screens drawn without the button the facilitator needed next
    unanswered_ticks: dict[str, int] = field(default_factory=dict)  # timer step -> reruns that got no answer
    server_pids: list[int] = field(default_factory=list)  # the app's processes, for the quiet windows' CPU
    opened_at: dict[int, float] = field(default_factory=dict)  # decision -> the presenter's tap on Open voting
    revealed_at: dict[int, float] = field(default_factory=dict)  # decision -> the tap on Reveal
    question_seen: list[float] = field(default_factory=list)  # tap -> a phone showing the answers, no tap
    result_seen: list[float] = field(default_factory=list)  # tap -> a phone showing the split, no tap
    quiet_cpu: dict[str, tuple[float, float]] = field(default_factory=dict)  # window -> (CPU s, wall s)

    def event(self, table: dict[int, asyncio.Event], decision: int) -> asyncio.Event:
        return table.setdefault(decision, asyncio.Event())


def create_facilitator(database: Database) -> None:
    from elearn.store import Role, create_user, open_store

    store = open_store(database.url, database.data_dir)
    try:
        create_user(store, username=FACILITATOR, display_name="Bench Facilitator", password=PASSWORD,
                    now=datetime.now(UTC), roles=(Role.FACILITATOR, Role.LEARNER))
    finally:
        store.dispose()


async def warm_up(user: User) -> None:
    """Before measuring: the facilitator signs in and opens the rooms page (the course loads, pages compile)."""
    async with user.browse() as tab:
        await _facilitator_opens_rooms(user, tab)


async def _facilitator_opens_rooms(user: User, tab: Tab) -> None:
    """Open the app, sign in as the bench facilitator, and go to the workshop rooms page."""
    await user.act("open app", lambda: tab.open(), tab, think=False)
    submit = tab.view.widget(key="FormSubmitter:sign-in-Sign in")
    _expect(submit is not None, tab, "the sign-in form")
    assert submit is not None
    await user.act("sign in", lambda: tab.submit_form(
        submit, {"signin-username": FACILITATOR, "signin-password": PASSWORD}), tab, think=False)
    await user.act("rooms", lambda: tab.go("rooms"), tab, think=False)


def _locked(tab: Tab, action: Callable[[], Awaitable[float]]) -> Callable[[], Awaitable[float]]:
    async def run() -> float:
        async with tab.lock:
            return await action()

    return run


class Workshop:
    """User 0 is the presenter, every other user a phone. Call with a ``User`` for their visit."""

    def __init__(self, decisions: int, room: Room | None = None) -> None:
        self.decisions = decisions
        self.room = room or Room()

    async def __call__(self, user: User) -> None:
        if user.index == 0:
            await self.presenter(user)
        else:
            await self.phone(user)

    # -- the presenter --------------------------------------------------------------------------

    async def presenter(self, user: User) -> None:
        room = self.room
        async with user.browse() as tab:
            await _facilitator_opens_rooms(user, tab)
            opener = tab.view.widget(key="FormSubmitter:open-room-Open a room")
            _expect(opener is not None, tab, "the open-a-room form")
            assert opener is not None
            await user.act("open room", lambda: tab.click(opener), tab, think=False)
            _expect(tab.query_string.startswith("room=") and bool(tab.auto_reruns), tab, "the live presenter view")
            room.code = tab.query_string.split("=", 1)[1].split("&")[0]
            ticker = asyncio.create_task(self._refresh_forever(user, tab))
            try:
                await self._quiet(user, "presenter alone")
                room.ready.set()
                await self._run_room(user, tab)
            finally:
                room.over.set()
                ticker.cancel()
                outcome = (await asyncio.gather(ticker, return_exceptions=True))[0]
                if isinstance(outcome, Exception) and not isinstance(outcome, TimeUp):
                    user.phase.errors.append(f"presenter refresh: {type(outcome).__name__}: {outcome}")

    async def _refresh_forever(self, user: User, tab: Tab) -> None:
        """The browser's timer for the presenter's fragment: rerun it every interval the server asked for."""
        async def refresh() -> float:
            async with tab.lock:
                seconds = await self._tick(tab, "presenter refresh")
                self._sight(tab)  # read while no other run can redraw the screen
                return seconds

        while not user.expired and await _timer_on(tab):  # the timer stops with the live part
            interval = next(iter(tab.auto_reruns.values()), REFRESH_SECONDS)
            started = time.monotonic()
            await user.act("presenter refresh", refresh, tab, think=False)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    async def _quiet(self, user: User, window: str) -> None:
        """Let ``QUIET_SECONDS`` pass with nothing but the timers running; keep the servers' CPU of it."""
        pids = descendants(self.room.server_pids)
        started, before = time.monotonic(), cpu_seconds(pids) if pids else 0.0
        await asyncio.sleep(QUIET_SECONDS)
        if user.expired:
            raise TimeUp
        if pids:
            self.room.quiet_cpu[window] = (cpu_seconds(pids) - before, time.monotonic() - started)

    def _sight(self, tab: Tab) -> None:
        joined = votes = 0
        for text in tab.view.texts():
            found = _JOINED.search(text)
            if found:
                joined = int(found.group(1))
        for element in tab.view.elements():
            if element.WhichOneof("type") == "metric" and element.metric.label == "Votes in":
                counted = _VOTES_IN.match(element.metric.body)
                if counted:
                    votes = int(counted.group(1))
        self.room.sightings.append(Sighting(time.monotonic(), self.room.decision, votes, joined))

    async def _run_room(self, user: User, tab: Tab) -> None:
        room = self.room
        phones = user.options.users - 1
        await self._until(user, lambda s: s.joined >= phones, VOTE_WAIT * 2)
        await self._quiet(user, f"presenter and {phones} waiting phones")
        for decision in range(1, self.decisions + 1):
            room.decision = decision
            await user.pause(0.4)
            opener = await self._control(user, tab, f"open-{decision}")
            if opener is None:
                break  # the story reached an ending: the debrief is on the screen
            room.opened_at[decision] = time.monotonic()
            await user.act("open voting", _locked(tab, lambda w=opener: tab.click(w)), tab, think=False)  # type: ignore[misc]
            room.event(room.voting, decision).set()
            await self._until(user, lambda s, d=decision: s.decision == d and s.votes_in >= len(room.joined),  # type: ignore[misc]
                              VOTE_WAIT)
            reveal = await self._control(user, tab, f"reveal-{decision}")
            if reveal is None:
                break
            room.revealed_at[decision] = time.monotonic()
            await user.act("reveal", _locked(tab, lambda w=reveal: tab.click(w)), tab, think=False)  # type: ignore[misc]
            room.event(room.revealed, decision).set()
            await user.pause(0.7)  # about 3.5 s with the default --think 5: the room looks at the split
            onward = await self._control(user, tab, f"majority-{decision}", f"pick-{decision}-")
            if onward is None:
                break
            await user.act("move on", _locked(tab, lambda w=onward: tab.click(w)), tab, think=False)  # type: ignore[misc]

    async def _control(self, user: User, tab: Tab, key: str, prefix: str = "") -> Widget | None:
        """The presenter's button ``key`` (or the first keyed ``prefix``...), None once the debrief shows.
        If the screen lacks it, the facilitator waits for the next refreshes, as a person would
        (counted: a stage drawn without its controls would be a glitch on the projector)."""
        deadline = time.monotonic() + 10.0
        while True:
            async with tab.lock:  # not while a refresh is half drawn
                found = tab.view.widget(key=key) or next(
                    (w for w in tab.view.widgets() if prefix and w.key and w.key.startswith(prefix)), None)
                ended = "The room's score" in tab.view.text()
            if found is not None or ended:
                return found
            if time.monotonic() > deadline:
                _expect(False, tab, f"the presenter's {key!r} button")
            self.room.missing_controls += 1
            await asyncio.sleep(REFRESH_SECONDS)

    async def _until(self, user: User, seen: Callable[[Sighting], bool], limit: float) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if user.expired:
                raise TimeUp
            if self.room.sightings and seen(self.room.sightings[-1]):
                return
            await asyncio.sleep(0.1)

    # -- a phone --------------------------------------------------------------------------------

    async def phone(self, user: User) -> None:
        room = self.room
        await room.ready.wait()
        nickname = f"Phone {user.index}"
        async with user.browse() as tab:
            await user.act("open join link", lambda: tab.open("join", f"room={room.code}"), tab)
            join = tab.view.widget(key="FormSubmitter:join-Join")
            _expect(join is not None, tab, "the join form")
            assert join is not None
            await user.act("join", lambda: tab.submit_form(join, {"join-code": room.code, "join-nickname": nickname}),
                           tab, think=False)
            _expect(tab.query_string.startswith("p="), tab, "a participant token in the URL")
            _expect(bool(tab.auto_reruns), tab, "the phone's room check (a fragment timer)")
            room.joined.add(nickname)
            seen = PhoneSightings()
            ticker = asyncio.create_task(self._check_forever(user, tab, seen))
            try:
                decision = 1
                while not room.over.is_set() and decision <= self.decisions:
                    if not await _wait_either(room.event(room.voting, decision), room.over):
                        break
                    await self._vote(user, tab, nickname, decision)
                    if not await _wait_either(room.event(room.revealed, decision), room.over):
                        break
                    decision += 1
            finally:
                ticker.cancel()
                outcome = (await asyncio.gather(ticker, return_exceptions=True))[0]
                if isinstance(outcome, Exception) and not isinstance(outcome, TimeUp):
                    user.phase.errors.append(f"phone check: {type(outcome).__name__}: {outcome}")

    async def _check_forever(self, user: User, tab: Tab, seen: PhoneSightings) -> None:
        """The browser's timer for the phone's room check: rerun it every interval the server asked
        for; after each, note whether the phone now shows an opened question or a result."""
        async def check() -> float:
            async with tab.lock:
                seconds = await self._tick(tab, "phone check")
                self._sight_phone(tab, seen)
                return seconds

        while not user.expired and await _timer_on(tab):
            interval = next(iter(tab.auto_reruns.values()), PHONE_CHECK_SECONDS)
            started = time.monotonic()
            await user.act("phone check", check, tab, think=False)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    async def _tick(self, tab: Tab, step: str) -> float:
        """One tick of the page's timer (the caller holds ``tab.lock``): rerun the fragment the page
        has now, and wait for its answer at most ``TICK_PATIENCE`` intervals. An unanswered tick is
        counted, and the timer goes on, as the browser's does."""
        fragment = _live_fragment(tab)
        if fragment is None:
            return 0.0
        patience = TICK_PATIENCE * tab.auto_reruns[fragment]
        try:
            return await tab.rerun_fragment(fragment, timeout=patience)
        except NoAnswer:
            self.room.unanswered_ticks[step] = self.room.unanswered_ticks.get(step, 0) + 1
            return patience

    def _sight_phone(self, tab: Tab, seen: PhoneSightings) -> None:
        room, at = self.room, time.monotonic()
        for decision, tapped in list(room.opened_at.items()):
            if decision not in seen.questions and _ballot(tab, decision):
                seen.questions.add(decision)
                room.question_seen.append(at - tapped)
        for decision, tapped in list(room.revealed_at.items()):
            if decision not in seen.results and _shows_result(tab, decision):
                seen.results.add(decision)
                room.result_seen.append(at - tapped)

    async def _vote(self, user: User, tab: Tab, nickname: str, decision: int) -> None:
        deadline = time.monotonic() + VOTE_WAIT
        while not _ballot(tab, decision):  # the phone's own check brings the answers: no tap
            _expect(time.monotonic() < deadline, tab, f"the answers of decision {decision}, without a tap "
                    f"({_timer_state(tab)})")
            if user.expired:
                raise TimeUp
            await asyncio.sleep(0.1)
        await user.pause(0.8)  # reads the answers
        ballot = _ballot(tab, decision)
        _expect(bool(ballot), tab, f"the answers of decision {decision}")
        # Rooms lean one way: three in five phones take the first answer, the rest spread.
        pick = ballot[0] if user.rng.random() < 0.6 else user.rng.choice(ballot)
        tapped = time.monotonic()
        await user.act("vote", _locked(tab, lambda: tab.click(pick)), tab, think=False)
        stored = _my_vote(tab, decision, ballot)
        if stored is not None:
            self.room.first_votes.append(FirstVote(decision, tapped, time.monotonic()))
        if stored is not None and user.rng.random() < 0.15:  # changes their mind once
            await user.pause(0.5)
            others = [w for w in _ballot(tab, decision) if w.key != pick.key]
            if others and not self.room.event(self.room.revealed, decision).is_set():
                other = user.rng.choice(others)
                await user.act("change vote", _locked(tab, lambda: tab.click(other)), tab, think=False)
                stored = _my_vote(tab, decision, ballot) or stored
        if stored is not None:
            self.room.final_votes[(nickname, decision)] = stored


async def _timer_on(tab: Tab) -> bool:
    """Whether the page still asks for a timer, read between runs (under ``tab.lock``). A full run
    clears the timers as it starts and announces the ones it still wants as it draws them, so a
    look in the middle of one (a vote's rerun) sees none. Looking without the lock stopped a
    phone's timer for good when it fell inside a vote's rerun: 1-7 of 60 phones in a run then never
    saw the next decision, while the app had done nothing wrong."""
    async with tab.lock:
        return bool(tab.auto_reruns)


def _timer_state(tab: Tab) -> str:
    """What a stuck phone's timer was doing, for the error: the fragment it reruns, the runs so far,
    and any failure the page shows."""
    problems = "; ".join(tab.view.problems()) or "none"
    stamped = sorted({placed.fragment_id for placed in tab.view.placed.values()})
    return (f"{tab.query_string[:8]} timer {dict(tab.auto_reruns)}, {tab.runs} runs, elements' fragments {stamped}, "
            f"problems shown: {problems}")


def _live_fragment(tab: Tab) -> str | None:
    """The fragment the page's timer reruns now, read under ``tab.lock``, as the browser's timer
    follows the page. A fragment's id depends on its place on the page, so a phone's room check
    gets a new id whenever a full run (a vote, the room moving on) draws a different number of
    elements above it, and Streamlit silently ignores a rerun of an id it no longer has: no
    ``script_finished`` ever comes. Reading the id before waiting for the lock (while a vote
    redrew the page) was how 2 of 60 phones stopped updating in the benchmark."""
    return next(iter(tab.auto_reruns), None)


@dataclass
class PhoneSightings:
    """The decisions whose opened question and whose result one phone has shown."""

    questions: set[int] = field(default_factory=set)
    results: set[int] = field(default_factory=set)


def _shows_result(tab: Tab, decision: int) -> bool:
    text = tab.view.text()
    return f"Decision {decision}" in text and "The votes are in" in text


def _ballot(tab: Tab, decision: int) -> list[Widget]:
    return [w for w in tab.view.widgets() if w.key and w.key.startswith(f"vote-{decision}-")]


def _my_vote(tab: Tab, decision: int, ballot: list[Widget]) -> str | None:
    """The choice the phone shows as this participant's vote: the primary button of the ballot, or, once
    the votes are revealed (perhaps between the vote and the redraw), the bar marked "(your vote)"."""
    prefix = f"vote-{decision}-"
    for element in tab.view.elements():
        kind = element.WhichOneof("type")
        if kind == "button" and element.button.type == "primary" and prefix in element.button.id:
            return element.button.id.rsplit(prefix, 1)[1]
        if kind == "progress" and element.progress.text.endswith("(your vote)"):
            letter = element.progress.text.split(" ", 1)[0]
            index = LETTERS.find(letter) if len(letter) == 1 else -1
            if 0 <= index < len(ballot) and ballot[index].key:
                return (ballot[index].key or "").removeprefix(prefix)
    return None


async def _wait_either(wanted: asyncio.Event, over: asyncio.Event) -> bool:
    """Wait for ``wanted``; False if ``over`` came first."""
    waits = [asyncio.create_task(wanted.wait()), asyncio.create_task(over.wait())]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in waits:
        task.cancel()
    return wanted.is_set()


def _expect(condition: bool, tab: Tab, what: str) -> None:
    if not condition:
        raise JourneyError(f"expected {what}; the page shows: {tab.view.text()[:160]!r}")


def vote_visibility(room: Room) -> list[float]:
    """Seconds from each first vote's tap to the first presenter refresh that counted it."""
    delays = []
    for decision in sorted({v.decision for v in room.first_votes}):
        votes = sorted((v for v in room.first_votes if v.decision == decision), key=lambda v: v.stored)
        sightings = [s for s in room.sightings if s.decision == decision]
        for rank, vote in enumerate(votes, start=1):
            seen = next((s.at for s in sightings if s.votes_in >= rank and s.at >= vote.tapped), None)
            if seen is not None:
                delays.append(seen - vote.tapped)
    return delays


def audit_room(database: Database, room: Room) -> list[str]:
    """Problems with what the database holds for the room: each decision's split must be the phones' final votes."""
    from elearn.store import User, authenticate, open_store
    from elearn.store.rooms import room_summary

    store = open_store(database.url, database.data_dir)
    try:
        facilitator = authenticate(store, FACILITATOR, PASSWORD, datetime.now(UTC), client="bench")
        if not isinstance(facilitator, User):
            return ["could not sign the facilitator in to read the room"]
        summary = room_summary(store, facilitator, room.code)
        problems = []
        if summary.participants != len(room.joined):
            problems.append(f"{summary.participants} participants stored, {len(room.joined)} joined")
        decided_at = {decided.decision: decided for decided in summary.decisions}
        for decision in sorted({d for _, d in room.final_votes}):
            expected: dict[str, int] = {}
            for (_, voted_at), choice in room.final_votes.items():
                if voted_at == decision:
                    expected[choice] = expected.get(choice, 0) + 1
            decided = decided_at.get(decision)
            if decided is None:
                continue  # the run ended before the room moved on from this decision: no split stored yet
            stored = {choice: count for choice, count in decided.votes.items() if count}
            if stored != expected:
                problems.append(f"decision {decision}: stored {stored}, the phones cast {expected}")
        return problems
    finally:
        store.dispose()


TIMER_STEPS = ("presenter refresh", "phone check")
"""Steps a page's own timer makes (a fragment rerun), replayed as the blank page's fragment reruns."""


def replay(timeline: dict[int, list[tuple[float, str]]]) -> Callable[[User], Awaitable[None]]:
    """The blank-page baseline of a workshop: every user does an interaction at the same moments as in the
    app's run (offsets from the start), the presenter's refreshes and the phones' checks as reruns of the
    blank page's fragment."""

    async def visit(user: User) -> None:
        def started() -> float:
            return user.phase.started

        steps = timeline.get(user.index, [])
        if not steps:
            return
        async with user.browse() as tab:
            timed = any(step in TIMER_STEPS for _, step in steps)
            for index, (offset, step) in enumerate(steps):
                await asyncio.sleep(max(0.0, offset - (time.monotonic() - started())))
                if index == 0:
                    await user.act(step, lambda: tab.open("", "fragment=1" if timed else ""), tab, think=False)
                elif step in TIMER_STEPS and tab.auto_reruns:
                    fragment = next(iter(tab.auto_reruns))
                    await user.act(step, _locked(tab, lambda f=fragment: tab.rerun_fragment(f)), tab, think=False)  # type: ignore[misc]
                else:
                    button = tab.view.widget(key="next")
                    assert button is not None
                    await user.act(step, _locked(tab, lambda b=button: tab.click(b)), tab, think=False)  # type: ignore[misc]

    return visit

