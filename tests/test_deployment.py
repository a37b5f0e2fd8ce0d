"""deploy/ kept in step with the app: the container image holds everything the app imports and
reads, and runs with the flags the load benchmark measured; deploy/README's commands agree."""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
from pathlib import Path

from bench.harness.servers import STREAMLIT_FLAGS
from tests.conftest import REPO

DOCKERFILE = (REPO / "deploy" / "Dockerfile").read_text()
GUIDE = (REPO / "deploy" / "README.md").read_text()


def copied() -> set[str]:
    """Every path the Dockerfile copies from the build context into the image."""
    paths: set[str] = set()
    for line in DOCKERFILE.splitlines():
        if line.startswith("COPY "):
            *sources, _target = shlex.split(line)[1:]
            paths.update(source.rstrip("/") for source in sources)
    return paths


def first_party_imports(entry_points: list[Path]) -> set[str]:
    """The repository's own top-level modules and packages the entry points import, transitively."""
    seen: set[str] = set()
    files = list(entry_points)
    while files:
        tree = ast.parse(files.pop().read_text())
        for node in ast.walk(tree):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                     else [])
            for name in names:
                top = name.split(".")[0]
                if top in seen:
                    continue
                if (REPO / top).is_dir():
                    seen.add(top)
                    files += list((REPO / top).rglob("*.py"))
                elif (REPO / f"{top}.py").is_file():
                    seen.add(top)
                    files.append(REPO / f"{top}.py")
    return seen


def test_the_image_holds_what_the_app_imports_and_reads() -> None:
    entry_points = [REPO / "serve.py", REPO / "app.py", *(REPO / "pages").glob("*.py")]
    needed = {"serve.py", "app.py", "pages", ".streamlit/config.toml", "content", "quizzes", "requirements.txt"}
    needed |= {name if (REPO / name).is_dir() else f"{name}.py" for name in first_party_imports(entry_points)}
    assert needed <= copied(), f"deploy/Dockerfile does not copy {sorted(needed - copied())}"
    assert "bench" not in first_party_imports(entry_points)  # the app never imports the benchmarks


def test_the_image_runs_with_the_flags_the_benchmark_measured() -> None:
    command = re.search(r"CMD \[(.*?)\]", DOCKERFILE, re.DOTALL)
    assert command is not None
    arguments = [part.strip().strip('"') for part in command.group(1).replace("\\\n", " ").split(",")]
    assert arguments[:4] == ["python", "-m", "ui.launch", "serve.py"]
    flags = dict(zip(arguments[4::2], arguments[5::2], strict=True))
    measured = dict(zip(STREAMLIT_FLAGS[::2], STREAMLIT_FLAGS[1::2], strict=True))
    measured["--server.address"] = "0.0.0.0"  # inside the container; compose publishes it on loopback only
    assert {flag: flags.get(flag) for flag in measured} == measured


def test_the_guide_starts_processes_with_the_same_flags() -> None:
    block = GUIDE[GUIDE.index("for port in"):GUIDE.index("done", GUIDE.index("for port in"))]
    assert "-m ui.launch serve.py" in block  # TCP_NODELAY on every connection (ui/nodelay.py)
    for flag, value in zip(STREAMLIT_FLAGS[::2], STREAMLIT_FLAGS[1::2], strict=True):
        if flag != "--server.runOnSave":  # without a file watcher there is nothing to rerun on save
            assert f"{flag} {value}" in block, f"deploy/README.md starts the processes without {flag} {value}"


def test_the_server_imports_what_charts_only_look_up_before_any_session_runs() -> None:
    """plotly and narwhals find pandas, numpy and pyarrow in sys.modules without importing them;
    if a session's thread were still importing one, another session's chart would fail. serve.py
    imports them at start, in the main thread (the load benchmark caught this at 120 learners)."""
    probe = ("import sys; import serve; "
             "print(all(hasattr(sys.modules.get(m), attr) for m, attr in "
             "[('pandas', 'Series'), ('numpy', 'ndarray'), ('pyarrow', 'Table')]))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.stdout.strip().splitlines()[-1:] == ["True"], done.stderr[-2000:]
