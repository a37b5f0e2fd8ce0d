"""Machine-readable summaries of a course, for ``python -m elearn check --json``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from elearn.course.catalogue import Course
from elearn.course.cues import scenario_cues, sum_cues


def course_summary(course: Course) -> dict[str, Any]:
    """The course as plain JSON-ready data: problems, warnings, lessons, scenario figures (with their
    give-away cues), skill coverage and the course-wide cue figures (pooled over every decision)."""
    scenarios = []
    for scenario in course.scenarios:
        analysis = course.analyses[scenario.id]
        best_ending = scenario.ending(analysis.best.ending_id)
        worst_ending = scenario.ending(analysis.worst.ending_id)
        scenarios.append({
            "id": scenario.id, "title": scenario.title, "file": course.files[scenario.id],
            "version": scenario.version, "capstone": scenario.capstone, "channel": scenario.channel,
            "lessons": list(scenario.lessons), "nodes": analysis.nodes, "endings": analysis.endings,
            "paths": analysis.paths, "paths_complete": analysis.complete,
            "shortest_path": analysis.shortest, "longest_path": analysis.longest,
            "best_path": [step.choice_id for step in analysis.best.steps],
            "best_path_nodes": [step.node_id for step in analysis.best.steps],
            "best_score": analysis.max_score, "min_score": analysis.min_score, "max_score": analysis.max_score,
            "lowest_success_score": analysis.lowest_success.score if analysis.lowest_success else None,
            "lowest_success_path": [step.choice_id for step in analysis.lowest_success.steps]
            if analysis.lowest_success else None,
            "best_ending": analysis.best.ending_id, "best_outcome": best_ending.outcome if best_ending else None,
            "worst_ending": analysis.worst.ending_id, "worst_outcome": worst_ending.outcome if worst_ending else None,
            "skills": list(analysis.skills), "cues": scenario_cues(scenario).as_dict(),
        })
    return {
        "ok": course.ok,
        "problems": [{"file": p.file, "line": p.line, "column": p.column, "rule": p.rule, "message": p.message,
                      "hint": p.hint} for p in course.problems],
        "warnings": [{"file": w.file, "line": w.line, "column": w.column, "rule": w.rule, "message": w.message,
                      "hint": w.hint} for w in course.warnings],
        "skipped": list(course.skipped),
        "counts": {"skills": len(course.skills), "lessons": len(course.lessons), "scenarios": len(course.scenarios),
                   "capstones": len(course.capstones)},
        "lessons": [{"id": lesson.id, "title": lesson.title, "order": lesson.meta.order, "file": lesson.file,
                     "skills": list(lesson.meta.skills), "sources": list(lesson.meta.sources),
                     "scenarios": list(lesson.meta.scenarios), "minutes": lesson.meta.minutes}
                    for lesson in course.lessons],
        "scenarios": scenarios,
        "coverage": skill_coverage(course),
        "cues": sum_cues(scenario_cues(s) for s in course.scenarios).as_dict(),
    }


def skill_coverage(course: Course) -> dict[str, dict[str, Any]]:
    """Per skill: the scenarios exercising it, the lessons teaching it, and its options by rating.

    ``scenarios_with_good_and_poor`` counts the scenarios that offer both a good and a poor option
    for the skill: the course promises at least three for every skill.
    """
    coverage: dict[str, dict[str, Any]] = {}
    for skill in course.skills.values():
        ratings: Counter[str] = Counter()
        scenarios: list[str] = []
        both = 0
        for scenario in course.scenarios:
            seen = [c.evidence[skill.id] for n in scenario.nodes for c in n.choices if skill.id in c.evidence]
            if seen:
                scenarios.append(scenario.id)
                ratings.update(seen)
                both += "good" in seen and "poor" in seen
        coverage[skill.id] = {
            "name": skill.name, "lesson": skill.lesson,
            "lessons": [lesson.id for lesson in course.lessons if skill.id in lesson.meta.skills],
            "scenarios": scenarios, "scenarios_with_good_and_poor": both,
            "good": ratings["good"], "partial": ratings["partial"], "poor": ratings["poor"],
        }
    return coverage
