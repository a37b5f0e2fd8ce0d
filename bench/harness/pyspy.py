"""Where a server's CPU goes under load: py-spy samples, summarised by function.

py-spy is not a dependency of the project: install it into a throwaway virtualenv
(``python -m venv /tmp/pyspy && /tmp/pyspy/bin/pip install py-spy==0.4.1``) and pass its path
with ``--py-spy``. Samples are the stacks of the thread holding the GIL (``--gil``): a Streamlit
process runs every session's script on one interpreter, so the GIL is the resource that runs out
first. The summary gives each function's inclusive share (the share of samples with it anywhere on
the stack) and self share. Native code that releases the GIL (argon2 hashing) is not in them.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def record(py_spy: str, pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([py_spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "50",
                             "--gil", "--format", "raw", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _short(frame: str, repo: Path) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    file = match.group("file")
    if "site-packages/" in file:
        file = file.split("site-packages/", 1)[1]
    elif str(repo) in file:
        file = file.split(str(repo) + "/", 1)[1]
    elif "/" not in file and (repo / "pages" / file).exists():
        file = f"pages/{file}"  # Streamlit runs page scripts under their bare file name
    return f"{match.group('func')} ({file})"


# Where a sample's time is spent, by the file of its innermost frame (first match wins).
CATEGORIES = (
    ("gc.collect(2) after every run (runner.postScriptGC)", ("_on_script_finished (streamlit/runtime/scriptrunner",)),
    ("database: SQLAlchemy and drivers", ("(sqlalchemy/", "(psycopg", "(sqlite3/", "(alembic/")),
    ("password hashing (argon2)", ("(argon2/",)),
    ("charts: plotly figures", ("(plotly/", "(_plotly_utils/")),
    ("tables: pandas / pyarrow", ("(pandas/", "(pyarrow/", "(numpy/")),
    ("messages: protobuf", ("(google/protobuf/",)),
    ("the app's own code", ("(pages/", "(ui/", "(elearn/", "(app.py", "(serve.py")),
    ("Streamlit runtime", ("(streamlit/",)),
    ("server I/O: asyncio, uvicorn, websockets", ("(asyncio/", "(uvicorn/", "(starlette/", "(websockets/", "(h11/")),
)
_APP_FILES = ("(pages/", "(ui/", "(elearn/", "(app.py")


def _category(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, markers in CATEGORIES:
            if any(marker in frame for marker in markers):
                return name
    return "other (standard library, YAML, ...)"


def summarise(files: list[Path], repo: Path, seconds: float = 0.0, rate: int = 50, top: int = 15,
              interactions: int = 0) -> str:
    """The samples by category and by function; with ``interactions``, each category's interpreter
    time per interaction too (ms), so two servers' profiles compare in absolute terms."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    total = 0
    for file in files:
        if not file.exists():
            continue
        for line in file.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = [_short(f, repo) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
            if not frames:
                continue
            total += count
            categories[_category(frames)] += count
            own[frames[-1]] += count
            for frame in set(frames):
                if any(marker in frame for marker in _APP_FILES):
                    inclusive[frame] += count
    if not total:
        return "py-spy recorded no samples"
    held = f" (the GIL was held {total / (seconds * rate * max(1, len(files))):.0%} of the time)" if seconds else ""
    per = interactions > 0
    lines = [f"{total} samples of the thread holding the GIL{held}", "",
             "| share |" + (" ms / interaction |" if per else "") + " where (innermost frame) |",
             "| ---: |" + (" ---: |" if per else "") + " --- |"]
    for name, count in categories.most_common():
        cost = f" {count / rate / interactions * 1000:.1f} |" if per else ""
        lines.append(f"| {count / total:.0%} |{cost} {name} |")
    lines += ["", "the app's own functions, inclusive (their callees counted):", "",
              "| share | function (file) |", "| ---: | --- |"]
    for frame, count in inclusive.most_common(top):
        lines.append(f"| {count / total:.0%} | {frame} |")
    lines += ["", "busiest functions, self time:", "", "| share | function (file) |", "| ---: | --- |"]
    for frame, count in own.most_common(10):
        lines.append(f"| {count / total:.0%} | {frame} |")
    return "\n".join(lines)

