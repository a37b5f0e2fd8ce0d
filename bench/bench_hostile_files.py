"""What ``python -m elearn check`` costs on each hostile course file (tests/hostile.py).

    python bench/bench_hostile_files.py [--code DIR] [--seconds 20] [--memory-mib 1024]

For each case, builds the good fixture course with the hostile file laid over it in a temporary
folder, runs the checker in its own process under a time limit and a memory limit (RLIMIT_AS),
and prints its wall time, its peak resident memory (from wait4), its exit code and the first
line that names the file. ``--code`` runs the checker of another checkout (for example
/work/main, to compare with the code before a change); the hostile files are the same.
A ``graph-ladder-250`` case is added: a valid-looking 23 KB scenario (250 nodes of two
choices each, about 9,300 YAML values, under every cap) that only the path analysis pays for.
It never asserts on time.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.hostile import CASES, Hostile, available, build, ladder  # noqa: E402

DROP_TO_NOBODY = ("import os, sys\nfrom elearn.cli.main import main\nimport elearn.course.catalogue\n"
                  "os.setgroups([]); os.setgid(65534); os.setuid(65534)\nsys.exit(main(['check', sys.argv[1]]))\n")


EXTRA = [Hostile("graph-ladder-250", "quizzes/ladder.yaml", None,
                 lambda course, outside: (course / "quizzes/ladder.yaml").write_text(ladder(250), encoding="utf-8"))]


def run(case: Hostile, code: Path, seconds: float, memory: int) -> tuple[float, float, str, str]:
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as folder:
        os.chmod(folder, 0o755)  # the unprivileged reader of the permission case must reach it
        course = build(case, Path(folder))
        command = [sys.executable, "-m", "elearn", "check", str(course)]
        if case.needs == "unprivileged" and os.geteuid() == 0:
            command = [sys.executable, "-c", DROP_TO_NOBODY, str(course)]

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=code, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   preexec_fn=limit, start_new_session=True)
        deadline = started + seconds
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        output = process.stdout.read().decode("utf-8", errors="replace") if process.stdout else ""
        process.stdout.close() if process.stdout else None
        code_or_signal = (f"killed after {seconds:.0f} s" if elapsed > seconds
                          else f"exit {os.waitstatus_to_exitcode(status)}")
        if "Traceback" in output:
            code_or_signal += ", traceback"
        line = next((ln for ln in output.splitlines() if ln.startswith(case.file)),
                    output.strip().splitlines()[-1] if output.strip() else "")
        return elapsed, usage.ru_maxrss / 1024, code_or_signal, line.replace(folder, "<tmp>")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose checker runs (default: this one)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--memory-mib", type=int, default=1024)
    args = parser.parse_args()
    print(f"checker from {args.code}; limits {args.seconds:.0f} s, {args.memory_mib} MiB of address space\n")
    print(f"{'case':32} {'time':>7} {'peak RSS':>9}  result")
    for case in [*CASES, *EXTRA]:
        if reason := available(case):
            print(f"{case.name:32} skipped: {reason}")
            continue
        elapsed, peak, result, line = run(case, args.code, args.seconds, args.memory_mib * 1024 * 1024)
        print(f"{case.name:32} {elapsed:6.2f}s {peak:6.0f} MiB  {result}: {line[:110]}")


if __name__ == "__main__":
    main()
