"""serve.py's switch that keeps every page inside app.py's frame, guarded against Streamlit upgrades.

A ``pages/`` folder beside the main script makes Streamlit fall back to its first multipage mode,
in which each file of the folder is a page of its own and runs without app.py (no sign-in check
of the frame, no navigation). The course's owner asked for ``pages/``, so serve.py turns that
mode off through ``PagesManager.uses_pages_directory``, a class attribute Streamlit does not
document. These tests fail loudly if an upgrade renames it, stops reading it, or stops setting it.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

from streamlit.runtime import pages_manager
from streamlit.runtime.scriptrunner import script_runner

from tests.conftest import REPO


def _after(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                          check=True)
    return done.stdout.strip()


def test_without_the_switch_the_pages_folder_would_turn_the_old_mode_on() -> None:
    """The danger is real in this Streamlit version: app.py with pages/ beside it selects the old mode."""
    found = _after("from streamlit.runtime.pages_manager import PagesManager as P\n"
                   f"P({str(REPO / 'app.py')!r})\nprint(P.uses_pages_directory)")
    assert found == "True"


def test_serve_turns_the_old_mode_off_before_any_session_starts() -> None:
    found = _after("import serve\nfrom streamlit.runtime.pages_manager import PagesManager as P\n"
                   f"P({str(REPO / 'app.py')!r})\nprint(P.uses_pages_directory)")
    assert found == "False"


def test_the_script_runner_still_decides_by_that_attribute() -> None:
    """If Streamlit stopped reading the flag, turning it off would no longer keep pages in the frame."""
    assert "uses_pages_directory" in vars(pages_manager.PagesManager)
    runner = inspect.getsource(script_runner)
    assert "if PagesManager.uses_pages_directory:" in runner
    assert "_mpa_v1(self._main_script_path)" in runner


def test_a_malformed_setting_stops_the_server_at_start_naming_it() -> None:
    done = subprocess.run([sys.executable, "-c", "import serve"], cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=False, env={"PATH": "/usr/bin:/bin", "FORWARDED_ALLOW_IPS": "",
                                                         "ELEARN_TRUSTED_PROXIES": "nginx.local"})
    assert done.returncode == 2
    assert "ELEARN_TRUSTED_PROXIES: 'nginx.local' is not an IP address or network." in done.stderr
    assert "Traceback" not in done.stderr
