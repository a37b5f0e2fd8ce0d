"""A real SMTP server (aiosmtpd) started in the test, and a small organisation with e-mail addresses."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from elearn.course.catalogue import Course
from elearn.store import Role, Store, User, create_admin, create_team, create_user
from tests.conftest import shipped_course
from tests.store.helpers import NOW, PASSWORD, wait_for

COURSE = shipped_course()


class Inbox:
    """What the SMTP server received, parsed; safe to read while it receives more."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        """Seconds the server takes per message: a slow server keeps two senders busy at once."""
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self._messages.append(parsed)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float = 20) -> list[EmailMessage]:
        wait_for(lambda: len(self.messages) >= count, timeout, f"{count} e-mails (got {len(self.messages)})")
        return self.messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpServer:
    """An aiosmtpd server on ``port``, which the test may stop and start again (server down, then up)."""

    port: int
    inbox: Inbox = field(default_factory=Inbox)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stopped_smtp_server() -> Iterator[SmtpServer]:
    """A server not started yet: its port refuses connections until the test starts it."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


@dataclass(frozen=True)
class Organisation:
    admin: User
    manager: User
    team_a: list[User]
    bea: User  # team B, no manager with e-mail there
    team_a_id: int
    team_b_id: int


def build_organisation(store: Store, team_a_size: int = 4) -> Organisation:
    admin = create_admin(store, "admin", PASSWORD, NOW, email="admin@example.org")
    team_a = create_team(store, admin, "Helpdesk <East>", NOW)
    team_b = create_team(store, admin, "Team B", NOW)
    manager = create_user(store, username="manny", display_name="Manny", password=PASSWORD, now=NOW,
                          email="manny@example.org", roles=(Role.MANAGER,), manages=(team_a.id,))
    learners = [create_user(store, username=f"a{n:02d}", display_name=f"Learner <b>{n}</b>", password=PASSWORD,
                            now=NOW, email=f"a{n:02d}@example.org", team_id=team_a.id) for n in range(team_a_size)]
    bea = create_user(store, username="bea", display_name="Bea", password=PASSWORD, now=NOW, email="bea@example.org",
                      team_id=team_b.id)
    return Organisation(admin=admin, manager=manager, team_a=learners, bea=bea, team_a_id=team_a.id,
                        team_b_id=team_b.id)


@pytest.fixture(scope="session")
def course() -> Course:
    return COURSE
