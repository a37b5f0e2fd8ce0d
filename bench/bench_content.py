"""How long loading and checking the whole course takes, and what the app pays per rerun.

    python bench/bench_content.py [--repeat N] [COURSE_DIR]

Prints, for the shipped course: a cold load (parse + validate + graph checks + path analysis),
the share of it spent analysing paths, and the cached look-up the app does on every rerun, each
beside a baseline measured in the same run (reading the same files' bytes without parsing).
It never asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from elearn.cli.main import default_course_dir
from elearn.course.catalogue import load_course
from elearn.course.paths import analyse


def timed(fn: object, repeat: int) -> list[float]:
    assert callable(fn)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("course_dir", nargs="?", type=Path, default=default_course_dir())
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    root: Path = args.course_dir
    files = sorted([*root.glob("content/*"), *root.glob("quizzes/*")])

    def read_bytes() -> None:
        for path in files:
            path.read_bytes()

    course = load_course(root)
    cache = {str(root): course}
    rows = [
        ("read the files' bytes (baseline)", timed(read_bytes, args.repeat)),
        ("load_course: parse + check + analyse", timed(lambda: load_course(root), args.repeat)),
        ("  of which: path analysis", timed(lambda: [analyse(s) for s in course.scenarios], args.repeat)),
        ("cached look-up (every app rerun)", timed(lambda: cache[str(root)], args.repeat * 100)),
    ]
    baseline = statistics.median(rows[0][1])
    paths = sum(a.paths for a in course.analyses.values())
    print(f"Course: {len(course.lessons)} lessons, {len(course.scenarios)} scenarios, {paths} paths, "
          f"{len(files)} files; {len(course.problems)} problems")
    print(f"{'what':40} {'median ms':>10} {'p95 ms':>10} {'x baseline':>11}")
    for name, samples in rows:
        median = statistics.median(samples)
        p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
        print(f"{name:40} {median * 1000:10.3f} {p95 * 1000:10.3f} {median / baseline:11.1f}")


if __name__ == "__main__":
    main()
