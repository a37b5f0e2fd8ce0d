"""Replies learners typed in "Say it your way": written with their answer, read under the privacy rules.

``record_answer(..., typed_reply=...)`` writes the reply in the answer's own transaction
(``insert_reply``), keyed by the answer's event key, so a retried answer never stores its reply
twice and no answer is stored without the words typed before it. A reply is someone's own
words: only the learner, the managers of their team and admins read it (``elearn.store.access``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, insert, select
from sqlalchemy.engine import Connection

from elearn.store.access import require_read, scope_of
from elearn.store.db import Store, insert_ignoring_duplicates
from elearn.store.errors import AccessDenied
from elearn.store.records import NewChoice, User, Viewer
from elearn.store.tables import AttemptRow, OwnWordsSettingRow, TypedReplyRow, UserRow

MAX_REPLY_CHARS = 2000
"""The longest typed reply stored; the player's text area stops there."""


@dataclass(frozen=True)
class TypedReply:
    """A stored typed reply, with the answer the learner picked as closest to it."""

    id: int
    user_id: int
    attempt_id: int
    scenario_id: str
    node_id: str
    choice_id: str
    first_attempt: bool
    text: str
    typed_at: datetime


@dataclass(frozen=True)
class NamedReply:
    """A typed reply with who typed it, for a manager's export."""

    reply: TypedReply
    username: str
    display_name: str


def clean_reply(text: str) -> str:
    """The reply as stored: NUL characters (which PostgreSQL refuses in text) removed, ends trimmed.

    Raises ``ValueError`` past ``MAX_REPLY_CHARS``: the player never sends more.
    """
    cleaned = text.replace("\x00", "").strip()
    if len(cleaned) > MAX_REPLY_CHARS:
        raise ValueError(f"a typed reply has at most {MAX_REPLY_CHARS} characters, got {len(cleaned)}")
    return cleaned


def insert_reply(conn: Connection, user: User, choice: NewChoice, text: str) -> None:
    """Store ``text`` as typed before ``choice``, inside the caller's transaction (the answer's own).

    Raises ``AccessDenied`` if the attempt is not ``user``'s."""
    scenario_id = conn.scalar(select(AttemptRow.scenario_id).where(AttemptRow.id == choice.attempt_id,
                                                                   AttemptRow.user_id == user.id))
    if scenario_id is None:
        raise AccessDenied("This attempt belongs to someone else.")
    values = {"event_key": choice.event_key, "user_id": user.id, "attempt_id": choice.attempt_id,
              "scenario_id": scenario_id, "node_id": choice.node_id, "choice_id": choice.choice_id,
              "first_attempt": choice.first_attempt, "text": clean_reply(text), "typed_at": choice.occurred_at}
    insert_ignoring_duplicates(conn, TypedReplyRow, values, ("event_key",))


_COLUMNS = (TypedReplyRow.id, TypedReplyRow.user_id, TypedReplyRow.attempt_id, TypedReplyRow.scenario_id,
            TypedReplyRow.node_id, TypedReplyRow.choice_id, TypedReplyRow.first_attempt, TypedReplyRow.text,
            TypedReplyRow.typed_at)


# The scenario page reads a learner's own replies and setting on every rerun: built once.
_BY_TIME = (TypedReplyRow.typed_at, TypedReplyRow.id)
_REPLIES_OF = select(*_COLUMNS).where(TypedReplyRow.user_id == bindparam("user_id")).order_by(*_BY_TIME)
_REPLIES_AT = (select(*_COLUMNS)
               .where(TypedReplyRow.user_id == bindparam("user_id"),
                      TypedReplyRow.scenario_id == bindparam("scenario_id"))
               .order_by(*_BY_TIME))
_SETTINGS = select(OwnWordsSettingRow.scenario_id, OwnWordsSettingRow.enabled).where(
    OwnWordsSettingRow.user_id == bindparam("user_id"),
    OwnWordsSettingRow.scenario_id.in_((bindparam("every"), bindparam("scenario_id"))))


def _reply(row: Sequence[Any]) -> TypedReply:
    return TypedReply(int(row[0]), int(row[1]), int(row[2]), str(row[3]), str(row[4]), str(row[5]), bool(row[6]),
                      str(row[7]), row[8])


def _replies(conn: Connection, where: ColumnElement[bool]) -> tuple[TypedReply, ...]:
    rows = conn.execute(select(*_COLUMNS).where(where).order_by(*_BY_TIME))
    return tuple(_reply(row) for row in rows)


def typed_replies_for(store: Store, viewer: Viewer, user_id: int, scenario_id: str | None = None
                      ) -> tuple[TypedReply, ...]:
    """``user_id``'s typed replies, oldest first (optionally of one scenario), if ``viewer`` may read them."""

    def work(conn: Connection) -> tuple[TypedReply, ...]:
        require_read(conn, viewer, user_id)
        if scenario_id is None:
            rows = conn.execute(_REPLIES_OF, {"user_id": user_id})
        else:
            rows = conn.execute(_REPLIES_AT, {"user_id": user_id, "scenario_id": scenario_id})
        return tuple(_reply(row) for row in rows)

    return store.read(work)


def scenario_replies(store: Store, viewer: Viewer, scenario_id: str) -> tuple[TypedReply, ...]:
    """Typed replies in ``scenario_id`` by everyone ``viewer`` may read, oldest first (the Answers view)."""

    def work(conn: Connection) -> tuple[TypedReply, ...]:
        scope = scope_of(conn, viewer)
        return _replies(conn, (TypedReplyRow.scenario_id == scenario_id) & scope.covers(TypedReplyRow.user_id))

    return store.read(work)


def replies_with_names(store: Store, viewer: Viewer, scenario_id: str | None = None) -> tuple[NamedReply, ...]:
    """Every typed reply ``viewer`` may read (optionally of one scenario), with who typed it: the export."""

    def work(conn: Connection) -> tuple[NamedReply, ...]:
        scope = scope_of(conn, viewer)
        where = scope.covers(TypedReplyRow.user_id)
        if scenario_id is not None:
            where = where & (TypedReplyRow.scenario_id == scenario_id)
        rows = conn.execute(select(*_COLUMNS, UserRow.username, UserRow.display_name)
                            .join(UserRow, UserRow.id == TypedReplyRow.user_id)
                            .where(where).order_by(TypedReplyRow.typed_at, TypedReplyRow.id))
        return tuple(NamedReply(_reply(row[:9]), str(row[9]), str(row[10])) for row in rows)

    return store.read(work)


EVERY_SCENARIO = ""
"""The ``scenario_id`` of a learner's choice for every scenario."""


def own_words_setting(store: Store, user: User, scenario_id: str) -> tuple[bool, bool]:
    """(on in ``scenario_id``, on for every scenario): a choice for the scenario overrides the learner's."""

    def work(conn: Connection) -> tuple[bool, bool]:
        rows = dict(conn.execute(_SETTINGS, {"user_id": user.id, "every": EVERY_SCENARIO,
                                             "scenario_id": scenario_id}).all())
        everywhere = bool(rows.get(EVERY_SCENARIO, False))
        return bool(rows.get(scenario_id, everywhere)), everywhere

    return store.read(work)


def set_own_words(store: Store, user: User, enabled: bool, now: datetime, scenario_id: str = EVERY_SCENARIO) -> None:
    """Turn "Say it your way" on or off for ``user`` in one scenario, or for every scenario (which
    also clears their choices for single scenarios, so the new choice holds everywhere)."""

    def work(conn: Connection) -> None:
        mine = OwnWordsSettingRow.user_id == user.id
        if scenario_id == EVERY_SCENARIO:
            conn.execute(delete(OwnWordsSettingRow).where(mine))
        else:
            conn.execute(delete(OwnWordsSettingRow).where(mine, OwnWordsSettingRow.scenario_id == scenario_id))
        conn.execute(insert(OwnWordsSettingRow).values(user_id=user.id, scenario_id=scenario_id, enabled=enabled,
                                                       updated_at=now))

    store.write(work)
