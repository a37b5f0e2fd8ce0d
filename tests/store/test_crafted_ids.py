"""Ids from a link (``?user=...``) that are no id at all: parsed to None, and refused by every
per-user read without reaching the database driver, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from elearn.store import PER_USER_READS, AccessDenied, NotFound, Store, id_from_text
from elearn.store.records import MAX_ID

from .helpers import World


@pytest.mark.parametrize(("text", "found"), [
    ("1", 1), ("42", 42), ("007", 7), (str(MAX_ID), MAX_ID),
    ("", None), ("0", None), ("-1", None), ("+1", None), (" 1", None), ("1.0", None), ("abc", None),
    ("²", None), ("١٢", None), ("１２", None),  # superscript, Arabic-Indic and full-width digits: isdigit(), not ids
    (str(MAX_ID + 1), None), ("99999999999999999999999", None), ("9" * 5000, None),
])
def test_only_plain_ids_in_range_are_ids(text: str, found: int | None) -> None:
    assert id_from_text(text) == found


@pytest.mark.parametrize("user_id", [0, -1, MAX_ID + 1, 99999999999999999999999])
@pytest.mark.parametrize("read", PER_USER_READS, ids=lambda read: read.__name__)
def test_reads_refuse_ids_out_of_range_like_any_unknown_user(store: Store, world: World, read: object,
                                                             user_id: int) -> None:
    with pytest.raises(AccessDenied):
        read(store, world.manager, user_id)  # type: ignore[operator]
    with pytest.raises(NotFound):
        read(store, world.admin, user_id)  # type: ignore[operator]
