"""The app's SQLite file deleted or replaced while it runs (AppTest, a real file): the next page
says that nothing more is saved and whom to ask, instead of carrying on and losing the work."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from elearn.store.db import MOVED_MESSAGE

from .conftest import as_read, sign_up


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_learner_is_told_that_nothing_more_is_saved(own_database: Path, tmp_path: Path, how: str) -> None:
    at = sign_up("ann")
    assert not at.error
    database = own_database / "elearn.db"
    if how == "deleted":
        os.remove(database)
    else:
        copy = tmp_path / "copy.db"
        shutil.copy(database, copy)  # the same content, another file
        os.replace(copy, database)
    at.run()
    assert not at.exception
    assert [as_read(e.value) for e in at.error] == [MOVED_MESSAGE]  # shown escaped, read as written
