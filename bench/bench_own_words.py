"""What "Say it your way" costs and finds, on the shipped course.

    python bench/bench_own_words.py [--repeat N] [COURSE_DIR]

Prints the rubric's size; how many answers of the course trip an inflaming or a helpful phrase,
by rating (all good, mixed, all poor); the time to read one reply (every answer's ``say``, about
25 words each, and a 2,000-character reply); and what checking the rubric adds to loading the
course. It never asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from elearn.course.catalogue import load_course
from elearn.course.rubric import load_rubric
from elearn.course.schema import Choice
from elearn.limits import ReadLimits
from elearn.play.own_words import notice


def _rated(choice: Choice) -> str:
    ratings = set(choice.evidence.values())
    return "good" if ratings == {"good"} else "poor" if ratings == {"poor"} else "mixed"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("course_dir", nargs="?", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    course = load_course(args.course_dir)
    rubric = course.rubric
    if rubric is None:
        sys.exit("this course has no usable content/rubric.yaml")
    inflaming = sum(phrase.inflaming for phrase in rubric.phrases)
    print(f"rubric: {len(rubric.phrases)} phrases ({inflaming} inflaming), "
          f"{sum(len(p.patterns) for p in rubric.phrases)} patterns")
    answers = [(scenario, choice) for scenario in course.scenarios for node in scenario.nodes
               for choice in node.choices]
    totals, inflamed, helped = Counter[str](), Counter[str](), Counter[str]()
    for scenario, choice in answers:
        said = notice(rubric, scenario, choice.say)
        totals[_rated(choice)] += 1
        inflamed[_rated(choice)] += bool(said.inflaming)
        helped[_rated(choice)] += bool(said.helpful)
    for rating in ("good", "mixed", "poor"):
        print(f"{rating} answers: {totals[rating]}, with an inflaming phrase {inflamed[rating]}, "
              f"with a helpful one {helped[rating]}")
    samples = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for scenario, choice in answers:
            notice(rubric, scenario, choice.say)
        samples.append((time.perf_counter() - started) / len(answers))
    print(f"one answer-sized reply: {1000 * statistics.median(samples):.2f} ms (median of {args.repeat})")
    long = " ".join(choice.say for _, choice in answers)[:2000]  # varied words, as long as a reply may be
    started = time.perf_counter()
    notice(rubric, course.scenarios[0], long)
    print(f"a 2,000-character reply: {1000 * (time.perf_counter() - started):.1f} ms")
    text = (args.course_dir / "content" / "rubric.yaml").read_text(encoding="utf-8")
    started = time.perf_counter()
    load_rubric(text, ReadLimits(), course.skills, [lesson.id for lesson in course.lessons], course.scenarios)
    print(f"checking the rubric (against every good answer): {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
