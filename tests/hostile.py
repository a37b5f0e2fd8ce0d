"""Hostile course files, each built in a folder by the test (or bench) that needs it.

Each case lays one file over a copy of the good fixture course and says which file is expected
to be refused and by which rule (``None`` when the file must be accepted). Shared by
tests/test_hostile_files.py and bench/bench_hostile_files.py, which measures what ``check``
costs on each of them.
"""

from __future__ import annotations

import codecs
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .conftest import FIXTURES

SECRET = "hunter2-do-not-echo"
"""The text of a file outside the course that a link points at: it must never appear in any output."""

GOOD_LESSON = (FIXTURES / "course" / "content" / "01-calm-basics.md").read_text(encoding="utf-8")
GOOD_SCENARIO = (FIXTURES / "course" / "quizzes" / "outage.yaml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Hostile:
    name: str
    file: str
    """The course-relative file the case puts in place."""
    rule: str | None
    """The rule of the problem it must give, or None when the file is accepted."""
    build: Callable[[Path, Path], None]
    """build(course, outside): make the file in ``course``; ``outside`` is a folder beside it."""
    needs: str = ""
    """"mknod": building it needs the right to make device files (see ``available``);
    "unprivileged": it only means something to a reader that is not root (root reads any file
    whatever its permissions), so tests read it as the unprivileged user ``nobody``."""


def _write(course: Path, relative: str, content: str | bytes) -> None:
    path = course / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def laughs(levels: int = 9) -> str:
    """The "billion laughs": each alias level repeats the one before nine times (9**9 values)."""
    lines = ['lol0: &lol0 "lol"']
    lines += [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _scenario_with(extra: str) -> str:
    return GOOD_SCENARIO.replace("id: outage\n", "id: outage-extra\n", 1) + extra


def _link(target: str | Path, course: Path, relative: str) -> None:
    (course / relative).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, course / relative)


def _outside_secret(course: Path, outside: Path) -> None:
    (outside / "secrets.yaml").write_text(f"password: {SECRET}\n", encoding="utf-8")
    _link(outside / "secrets.yaml", course, "quizzes/secrets.yaml")


def _inside_link(course: Path, outside: Path) -> None:
    _write(course, "quizzes/drafts/copy.yaml", GOOD_SCENARIO.replace("id: outage\n", "id: outage-copy\n", 1))
    _link("drafts/copy.yaml", course, "quizzes/copy.yaml")


def _linked_folder(course: Path, outside: Path) -> None:
    (outside / "elsewhere").mkdir()
    (outside / "elsewhere" / "x.yaml").write_text(f"password: {SECRET}\n", encoding="utf-8")
    _link(outside / "elsewhere", course, "quizzes/elsewhere")
    _link("elsewhere/x.yaml", course, "quizzes/via-folder.yaml")


def _device(course: Path, outside: Path) -> None:
    os.mknod(course / "quizzes/zero-device.yaml", stat.S_IFCHR | 0o644, os.makedev(1, 5))  # what /dev/zero is


def _unreadable(course: Path, outside: Path) -> None:
    lesson = GOOD_LESSON.replace("id: calm-basics", "id: locked").replace("order: 1", "order: 2")
    _write(course, "content/02-locked.md", lesson)
    (course / "content/02-locked.md").chmod(0)


def _bom_lesson(course: Path, outside: Path) -> None:
    _write(course, "content/01-calm-basics.md", codecs.BOM_UTF8 + GOOD_LESSON.encode("utf-8"))


def _bom_scenario(course: Path, outside: Path) -> None:
    _write(course, "quizzes/outage.yaml", codecs.BOM_UTF8 + GOOD_SCENARIO.encode("utf-8"))


def _scenario_of_100_000_values(course: Path, outside: Path) -> None:
    nodes = "".join(f"  - {{id: n{i}, customer: hi, choices: []}}\n" for i in range(20_000))  # 5 values each
    _write(course, "quizzes/wide.yaml", "id: wide\ntitle: Wide\nnodes:\n" + nodes)


CASES = [
    Hostile("aliases-in-scenario", "quizzes/laughs.yaml", "yaml-alias",
            lambda c, o: _write(c, "quizzes/laughs.yaml", laughs())),
    Hostile("aliases-in-front-matter", "content/02-laughs.md", "yaml-alias",
            lambda c, o: _write(c, "content/02-laughs.md", "---\n" + laughs() + "---\n\nText.\n")),
    Hostile("nesting-600", "quizzes/deep.yaml", "too-deep",
            lambda c, o: _write(c, "quizzes/deep.yaml", "a: " + "[" * 600 + "]" * 600 + "\n")),
    Hostile("nesting-50000", "quizzes/deeper.yaml", "too-deep",
            lambda c, o: _write(c, "quizzes/deeper.yaml", "a: " + "[" * 50_000 + "]" * 50_000 + "\n")),
    Hostile("nesting-in-front-matter", "content/02-deep.md", "too-deep",
            lambda c, o: _write(c, "content/02-deep.md", "---\nid: " + "{a: " * 5_000 + "1" + "}" * 5_000
                                + "\n---\n\nText.\n")),
    Hostile("over-the-size-cap", "quizzes/huge.yaml", "file-too-large",
            lambda c, o: _write(c, "quizzes/huge.yaml", "# " + "x" * (3 * 1024 * 1024) + "\n")),
    Hostile("100000-values", "quizzes/wide.yaml", "too-many-values", _scenario_of_100_000_values),
    Hostile("link-inside", "quizzes/copy.yaml", None, _inside_link),
    Hostile("link-outside", "quizzes/secrets.yaml", "link-outside", _outside_secret),
    Hostile("link-through-a-folder-outside", "quizzes/via-folder.yaml", "link-outside", _linked_folder),
    Hostile("link-to-dev-zero", "quizzes/zero.yaml", "link-outside",
            lambda c, o: _link("/dev/zero", c, "quizzes/zero.yaml")),
    Hostile("device", "quizzes/zero-device.yaml", "not-a-file", _device, needs="mknod"),
    Hostile("fifo", "quizzes/pipe.yaml", "not-a-file", lambda c, o: os.mkfifo(c / "quizzes/pipe.yaml")),
    Hostile("folder", "quizzes/folder.yaml", "not-a-file", lambda c, o: (c / "quizzes/folder.yaml").mkdir()),
    Hostile("broken-link", "quizzes/gone.yaml", "broken-link",
            lambda c, o: _link("nowhere.yaml", c, "quizzes/gone.yaml")),
    Hostile("link-loop", "quizzes/loop.yaml", "broken-link",
            lambda c, o: _link("loop.yaml", c, "quizzes/loop.yaml")),
    Hostile("unreadable", "content/02-locked.md", "unreadable", _unreadable, needs="unprivileged"),
    Hostile("latin-1", "quizzes/latin.yaml", "bad-encoding",
            lambda c, o: _write(c, "quizzes/latin.yaml", _scenario_with("# café\n").encode("latin-1"))),
    Hostile("utf-16", "content/02-wide.md", "bad-encoding",
            lambda c, o: _write(c, "content/02-wide.md", GOOD_LESSON.encode("utf-16"))),
    Hostile("nul-character", "quizzes/nul.yaml", "control-character",
            lambda c, o: _write(c, "quizzes/nul.yaml", _scenario_with("summary2: a\x00b\n"))),
    Hostile("impossible-date", "quizzes/date.yaml", "bad-value",
            lambda c, o: _write(c, "quizzes/date.yaml", _scenario_with("released: 2026-13-45\n"))),
    Hostile("bom-in-lesson", "content/01-calm-basics.md", None, _bom_lesson),
    Hostile("bom-in-scenario", "quizzes/outage.yaml", None, _bom_scenario),
]


def available(case: Hostile) -> str:
    """Why ``case`` cannot be built on this system, or "" when it can."""
    if case.needs == "mknod":
        probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"mknod-probe-{os.getpid()}"
        try:
            os.mknod(probe, stat.S_IFCHR | 0o600, os.makedev(1, 5))
        except OSError:
            return "creating a device file needs CAP_MKNOD"
        probe.unlink()
    return ""


def build(case: Hostile, parent: Path) -> Path:
    """A copy of the good fixture course in ``parent``/course with ``case``'s file laid over it."""
    course = parent / "course"
    outside = parent / "outside"
    shutil.copytree(FIXTURES / "course", course)
    outside.mkdir()
    case.build(course, outside)
    return course


def build_all(parent: Path) -> Path:
    """One course holding every hostile file that can be built here, beside the good fixture content."""
    course = parent / "course"
    outside = parent / "outside"
    shutil.copytree(FIXTURES / "course", course)
    outside.mkdir()
    for case in CASES:
        if not available(case):
            case.build(course, outside)
    return course


def ladder(steps: int) -> str:
    """A scenario whose every path is ``steps`` choices long, with two choices at each step."""
    head = GOOD_SCENARIO.split("nodes:\n")[0].replace("id: outage\n", "id: ladder\n", 1)
    head = head.replace("start: opening", "start: n0")
    nodes = []
    for i in range(steps):
        last = i + 1 == steps
        nxt = "fixed" if last else f"n{i + 1}"
        nodes.append(f"  - id: n{i}\n    customer: \"Step {i}\"\n    choices:\n"
                     f"      - {{id: a, say: A, feedback: A., evidence: {{empathy: good}}, anger: 0, next: {nxt}}}\n"
                     f"      - {{id: b, say: B, feedback: B., evidence: {{empathy: poor}}, anger: 0, "
                     f"next: {'lost' if last else nxt}}}\n")
    endings = ("endings:\n  - {id: fixed, title: Done, outcome: resolved, debrief: Done.}\n"
               "  - {id: lost, title: Lost, outcome: customer_lost, debrief: Lost.}\n")
    return head + "nodes:\n" + "".join(nodes) + endings
