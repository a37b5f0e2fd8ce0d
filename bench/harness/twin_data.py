"""The fixed data the static twin draws (bench/harness/static_twin.py), taken once from the course.

Built in the benchmark's own process before the servers start, and written to a JSON file the
twin reads once. Everything the learner journey sees is here already worked out: each lesson's
text and links, the home page's modules, one path through every scenario (the best answer at
each decision, the choices in seed 1's order) with its feedback, ending and debrief, and the My
skills charts. The twin then renders it with no session, store or course logic, so the app's
cost beyond the twin's is our code's, and the twin's is Streamlit's per element.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from elearn.course.catalogue import Course, load_course
from elearn.course.endings import debrief_for
from elearn.course.schema import CHANNEL_LABELS
from elearn.learner.charts import anger_curve, progress_chart, skills_chart
from elearn.learner.mastery import estimate, shown_percent
from elearn.play.debrief import best_anger_curve, decisions, where_it_turned
from elearn.play.engine import choose, start
from ui.a11y import CSS, FRAME_SCRIPT
from ui.anger import anger_meter_html

RATING_WORDS = {"good": "✅ good", "partial": "🟡 partly", "poor": "❌ poor"}  # as pages/scenario.py shows them
MAX_DECISIONS = 40


def build(course_dir: Path) -> dict[str, Any]:
    """Everything the twin shows, as plain JSON-ready data."""
    course = load_course(course_dir)
    if not course.lessons or not course.scenarios:
        raise ValueError(f"{course_dir} holds no course to build the twin from")
    return {
        "css": CSS, "frame_script": FRAME_SCRIPT,
        "modules": _modules(course),
        "lessons": {lesson.id: _lesson(course, lesson.id) for lesson in course.lessons},
        "scenarios": {scenario.id: _scenario(course, scenario.id) for scenario in course.scenarios},
        "skills": _skills(course),
    }


def write(course_dir: Path, out: Path) -> Path:
    out.write_text(json.dumps(build(course_dir)), encoding="utf-8")
    return out


def _modules(course: Course) -> list[dict[str, Any]]:
    shown = []
    for lesson in course.lessons:
        scenarios = [{"id": s.id, "label": f"{s.title} · {CHANNEL_LABELS[s.channel]} · not started"}
                     for s in course.practice_for(lesson)]
        shown.append({"title": lesson.title, "scenarios": scenarios,
                      "lesson": {"id": lesson.id, "label": f"Lesson · {lesson.meta.minutes} min"}})
    shown.append({"title": "Capstones", "lesson": None,
                  "scenarios": [{"id": s.id, "label": f"{s.title} · {CHANNEL_LABELS[s.channel]} · not started"}
                                for s in course.capstones]})
    return shown


def _lesson(course: Course, lesson_id: str) -> dict[str, Any]:
    lesson = course.lesson(lesson_id)
    assert lesson is not None
    following = course.next_lesson(lesson)
    return {
        "title": lesson.title, "caption": f"{lesson.meta.minutes:d} min read · {lesson.meta.summary}",
        "teaching": lesson.teaching,
        "sources": [f"- *{course.sources[s].title}*" for s in lesson.meta.sources if s in course.sources],
        "practise": [{"id": s.id, "label": f"Practise it: {s.title}"} for s in course.practice_for(lesson)],
        "next": {"id": following.id, "label": f"Next lesson: {following.title}"} if following else None,
    }


def _scenario(course: Course, scenario_id: str) -> dict[str, Any]:
    scenario = course.scenario(scenario_id)
    assert scenario is not None
    run = start(scenario, seed=1)
    steps: list[dict[str, Any]] = []
    meters = [anger_meter_html(run.anger, run.mood, run.last_change)]
    while run.node is not None and len(steps) < MAX_DECISIONS:
        node = run.node
        shown = run.choices_shown()
        picked = node.best_choice
        run = choose(run, picked.id)
        evidence = " · ".join(f"{course.skills[s].name if s in course.skills else s}: {RATING_WORDS[r]}"
                              for s, r in run.path[-1].evidence)
        note = f"\n\n**The customer's anger:** {picked.anger_note}" if picked.anger_note else ""
        steps.append({
            "narration": node.narration or "", "customer": f"**{scenario.persona.name}:** {node.customer}",
            "choices": [{"id": c.id, "say": c.say} for c in shown],
            "said": picked.say, "reaction": picked.reaction or "",
            "feedback": f"**Why:** {picked.feedback}{note}\n\n{evidence}",
        })
        meters.append(anger_meter_html(run.anger, run.mood, run.last_change))
    ending = run.ending
    assert ending is not None, f"{scenario_id}: no ending within {MAX_DECISIONS} decisions"
    turned = [{"title": f"**Decision {p.number:d}.** {scenario.persona.name}: “{p.customer}”",
               "said": f"**You said:** {p.said}\n\n**Why it fell short:** {p.why}",
               "better": f"**Better:** {p.better}\n\n**Why:** {p.better_why}"}
              for p in where_it_turned(course, run)]
    rows = [f"**{r.number:d}.** {r.answer}  \nanger {r.anger_change:+d} · counts" for r in decisions(course, run)]
    return {
        "title": scenario.title, "caption": f"{CHANNEL_LABELS[scenario.channel]} · about {scenario.minutes:d} min",
        "persona": f"**{scenario.persona.name}**: {scenario.persona.description}",
        "steps": steps, "meters": meters,
        "ending": f"**{ending.title}**\n\n{debrief_for(ending, run.path)}", "score": f"{run.score:.0f}%",
        "anger_chart": anger_curve(run.anger_curve, best_anger_curve(course, scenario)).to_json(),
        "turned": turned, "rows": rows,
    }


def _skills(course: Course) -> dict[str, Any]:
    """My skills for a learner with a little evidence on every skill (a fixed, plausible picture)."""
    from datetime import UTC, datetime, timedelta

    ratings = ["good", "partial", "poor", "good"]
    masteries = [estimate(skill, ratings[: 1 + i % 4]) for i, skill in enumerate(course.skills)]
    names = {skill.id: skill.name for skill in course.skills.values()}
    day = datetime(2026, 11, 1, tzinfo=UTC)
    points = [(day + timedelta(days=i), 0.4 + i / 40) for i in range(8)]
    advice = [{"title": f"**{skill.name}** · {shown_percent(0.5)}% ± 20%", "description": skill.description,
               "lesson": {"id": skill.lesson, "label": f"Lesson: {skill.lesson}"}}
              for skill in list(course.skills.values())[:5]]
    return {"skills_chart": skills_chart(masteries, names, {}).to_json(),
            "progress_chart": progress_chart(points).to_json(),
            "in_words": [f"- {names[m.skill]}: {m.shown}" for m in masteries], "advice": advice}
