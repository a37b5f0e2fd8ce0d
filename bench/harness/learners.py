"""The learner journey, and the check that every choice a simulated learner made is stored once.

A visit: open the app (the sign-in page), create an account on the first visit or sign in on
later ones, land on the course home, open a lesson from it and mark it done, follow its
"Practise it" link, start (or resume, or retry) the scenario and answer until an ending, then
open My skills. Every click on a choice is written to a ledger before it is sent; after the run
the database must hold each of them exactly once, and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.harness.load import JourneyError, TimeUp, User
from bench.harness.protocol import Link, Tab
from bench.harness.servers import Database

PASSWORD = "calm under load 1"
SIGN_UP = "FormSubmitter:register-Create account"
SIGN_IN = "FormSubmitter:sign-in-Sign in"
_CHOICE = re.compile(r"^choice-(\d+)-(\d+)-(.+)$")
MAX_DECISIONS = 40


@dataclass(frozen=True)
class Chosen:
    username: str
    attempt_id: int
    index: int
    choice_id: str

    @property
    def event_key(self) -> str:
        return f"attempt-{self.attempt_id}-answer-{self.index}"  # ui/player.py's key for this answer


@dataclass
class Ledger:
    """What the simulated learners did, to compare with the database afterwards."""

    prefix: str
    choices: list[Chosen] = field(default_factory=list)
    endings: dict[str, int] = field(default_factory=dict)
    accounts: set[str] = field(default_factory=set)


@dataclass
class Audit:
    checked: int = 0
    stored_once: int = 0
    missing: list[str] = field(default_factory=list)
    wrong_choice: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    endings_expected: int = 0
    endings_stored: int = 0

    @property
    def ok(self) -> bool:
        clean = not (self.missing or self.wrong_choice or self.unexpected)
        return clean and self.endings_stored >= self.endings_expected

    def summary(self) -> str:
        return (f"{self.checked} choices clicked, {self.stored_once} stored exactly once, {len(self.missing)} lost, "
                f"{len(self.wrong_choice)} wrong, {len(self.unexpected)} extra; endings reached "
                f"{self.endings_expected}, finished attempts stored {self.endings_stored}")


def expect(condition: bool, step: str, tab: Tab, what: str) -> None:
    if not condition:
        raise JourneyError(f"{step}: expected {what}; the page shows: {tab.view.text()[:160]!r}")


class LearnerJourney:
    """Call an instance with a ``User`` to run one visit."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def __call__(self, user: User) -> None:
        username = f"{self.ledger.prefix}{user.index}"
        async with user.browse() as tab:
            await user.act("open app", lambda: tab.open(), tab)
            if username not in self.ledger.accounts:
                await self._sign_up(user, tab, username)
            else:
                submit = tab.view.widget(key=SIGN_IN)
                expect(submit is not None, "sign in", tab, "the sign-in form")
                assert submit is not None
                await user.act("sign in", lambda: tab.submit_form(
                    submit, {"signin-username": username, "signin-password": PASSWORD}), tab, think=False)
            expect("Welcome" in tab.view.text(), "home", tab, "the course home")
            await tab.post_cookies()
            await user.pause()
            lesson = self._lesson_link(user, tab)
            await user.act("lesson", lambda: tab.follow(lesson), tab)
            done = tab.view.widget(label="Mark as done")
            if done is not None:
                await user.act("mark done", lambda: tab.click(done), tab)
            practise = [link for link in tab.view.links() if link.query_string.startswith("scenario=")]
            expect(bool(practise), "lesson", tab, "a link to its practice scenario")
            await user.act("scenario", lambda: tab.follow(user.rng.choice(practise)), tab)
            await self._play(user, tab, username)
            await user.act("my skills", lambda: tab.go("skills"), tab)
            expect("My skills" in tab.view.text(), "my skills", tab, "the My skills page")

    async def _sign_up(self, user: User, tab: Tab, username: str) -> None:
        submit = tab.view.widget(key=SIGN_UP)
        expect(submit is not None, "sign up", tab, "the create-account form")
        assert submit is not None
        await user.act("sign up", lambda: tab.submit_form(submit, {
            "reg-username": username, "reg-name": f"Load Learner {user.index}",
            "reg-password": PASSWORD, "reg-repeat": PASSWORD}), tab, think=False)
        self.ledger.accounts.add(username)

    @staticmethod
    def _lesson_link(user: User, tab: Tab) -> Link:
        lessons = [link for link in tab.view.links() if link.query_string.startswith("lesson=")]
        expect(bool(lessons), "home", tab, "links to lessons")
        return user.rng.choice(lessons)

    async def _play(self, user: User, tab: Tab, username: str) -> None:
        start = tab.view.widget(label="Start the conversation") or tab.view.widget(label="Try again")
        if start is not None:
            await user.act("start scenario", lambda: tab.click(start), tab)
        for _ in range(MAX_DECISIONS):
            choices = [w for w in tab.view.widgets() if w.key and _CHOICE.match(w.key)]
            if not choices:
                break
            pick = user.rng.choice(choices)
            if user.expired:  # stop before the click, so the ledger holds only choices that were sent
                raise TimeUp
            match = _CHOICE.match(pick.key or "")
            assert match is not None
            self.ledger.choices.append(Chosen(username, int(match.group(1)), int(match.group(2)), match.group(3)))
            await user.act("choice", lambda widget=pick: tab.click(widget), tab)  # type: ignore[misc]
        expect(tab.view.widget(label="Try again") is not None, "scenario", tab, "an ending with 'Try again'")
        self.ledger.endings[username] = self.ledger.endings.get(username, 0) + 1


def audit(database: Database, ledger: Ledger) -> Audit:
    """Compare the ledger with the database, through the store's own reads (as an administrator)."""
    from elearn.store import create_admin, events_for, open_store, progress_for, visible_users

    store = open_store(database.url, database.data_dir)
    try:
        auditor = create_admin(store, f"{ledger.prefix}auditor", PASSWORD, datetime.now(UTC))
        users = {u.username: u for u in visible_users(store, auditor) if u.username.startswith(ledger.prefix)}
        result = Audit(checked=len(ledger.choices), endings_expected=sum(ledger.endings.values()))
        expected = {(c.username, c.event_key): c for c in ledger.choices}
        for username, user in users.items():
            if username == auditor.username:
                continue
            events = events_for(store, auditor, user.id)
            keys: dict[str, list[str]] = {}
            for event in events:
                keys.setdefault(event.event_key, []).append(event.choice_id)
            for key, choices in keys.items():
                chosen = expected.get((username, key))
                if chosen is None:
                    result.unexpected.append(f"{username} {key}")
                elif len(choices) != 1:
                    result.unexpected.append(f"{username} {key} stored {len(choices)} times")
                elif choices[0] != chosen.choice_id:
                    result.wrong_choice.append(f"{username} {key}: {choices[0]} != {chosen.choice_id}")
                else:
                    result.stored_once += 1
            progress = progress_for(store, auditor, user.id)
            result.endings_stored += sum(1 for a in progress.attempts if not a.in_progress)
        stored = {(u, k) for u, user in users.items() for k in
                  {e.event_key for e in events_for(store, auditor, user.id)}}
        result.missing = [f"{u} {k}" for (u, k) in expected if (u, k) not in stored]
        return result
    finally:
        store.dispose()
