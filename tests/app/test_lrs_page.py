"""The Learning Record Store page, for administrators: the queue, the last error and the dead
letters with the LRS's reasons (escaped), "Retry dead letters" queueing them again; never the
secret. Other roles get the refusal (tests/app/test_every_page.py checks that for every page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from elearn.store import Role, create_user, open_store, upgrade
from elearn.store.xapi_outbox import claim_statements, mark_dead, outbox_status, queue_statements

from .conftest import PASSWORD, as_read, open_page, sign_in

NOW = datetime.now(UTC)
REASON = "400 the LRS refused the statement: verb.id: **not** an IRI <b>"


@pytest.fixture
def admin_page(own_database: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ELEARN_PUBLIC_URL", "https://learn.example.org")
    monkeypatch.setenv("ELEARN_LRS_ENDPOINT", "https://lrs.example.org/xAPI/")
    monkeypatch.setenv("ELEARN_LRS_KEY", "calm-app")
    monkeypatch.setenv("ELEARN_LRS_SECRET", "s3cret-never-shown")
    store = open_store(None, own_database)
    upgrade(store)
    create_user(store, username="root", display_name="Root", password=PASSWORD, now=NOW, roles=(Role.ADMIN,))
    statements = [{"id": f"00000000-0000-5000-8000-00000000000{n}", "verb": {"id": "http://example.org/v"}}
                  for n in range(3)]
    queue_statements(store, statements, NOW - timedelta(minutes=5))
    refused = claim_statements(store, "test", NOW, timedelta(minutes=1), 1)[0]
    mark_dead(store, refused.id, "test", NOW, REASON)
    store.dispose()
    return open_page(sign_in("root"), "lrs")


def test_the_page_shows_the_queue_and_the_dead_letters_and_sends_them_again(admin_page: AppTest,
                                                                             own_database: Path) -> None:
    at = admin_page
    assert not at.exception
    shown = " ".join(as_read(m.value) for m in at.markdown)
    assert "https://lrs.example.org/xAPI/statements" in shown
    assert "calm-app" in shown
    assert "s3cret" not in shown + " ".join(str(e.value) for e in at.warning)
    assert [(m.label, m.value) for m in at.metric] == [("Waiting to be sent", "2"), ("Sent", "0"),
                                                       ("Refused (dead letters)", "1")]
    assert as_read(at.warning[0].value).endswith(REASON)  # the LRS's words, as text
    assert list(at.dataframe[0].value["The LRS's reason"]) == [REASON]
    at.button(key="lrs-retry-dead").click().run()
    assert not at.exception
    assert as_read(at.success[0].value) == "1 dead letters queued again."
    store = open_store(None, own_database)
    assert (outbox_status(store).pending, outbox_status(store).dead_count) == (3, 0)
    store.dispose()
