"""Load a whole course directory, validate it as one catalogue, and return what is usable.

Gather first, check second, use last: every file is read and validated on its own, then the
references between files are checked with the whole catalogue in view, then each valid
scenario is analysed (best path, scores). Nothing here raises for bad content: ``load_course``
returns the content that validated together with every problem found, so the app can serve
the good part of a course and show authors what was skipped and why.

Which problems skip what:
- a problem inside a lesson or scenario file skips that file;
- a problem in one entry of ``skills.yaml`` or ``sources.yaml`` skips that entry;
- a reference from one file to another that does not exist (an unknown skill, a missing
  lesson) is reported but skips nothing: the reference is simply not followed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from elearn.course.coursefiles import CourseFolder
from elearn.course.cues import cheap_success_warnings, cue_warnings
from elearn.course.endings import ending_problems
from elearn.course.lessons import Lesson, split_front_matter
from elearn.course.paths import ScenarioAnalysis, path_problems
from elearn.course.rubric import RUBRIC_FILE, Rubric, load_rubric
from elearn.course.schema import LessonMeta, Scenario, Skill, Source
from elearn.course.structure import reachability_problems, structure_problems
from elearn.course.validation import validate
from elearn.course.yamlsource import YamlDocument, read_yaml
from elearn.errors import Problem, did_you_mean
from elearn.limits import ReadLimits

SKILLS_FILE = "content/skills.yaml"
SOURCES_FILE = "content/sources.yaml"
LESSON_GLOB = "content/*.md"
SCENARIO_GLOBS = ("quizzes/*.yaml", "quizzes/*.yml")
JOB_AID_FILE = "content/aids/job-aid.md"
"""The course on one printable page (optional): shown as it is, never parsed as a lesson."""

EntryT = TypeVar("EntryT", bound=Skill | Source)


@dataclass(frozen=True)
class Course:
    """Everything in a course directory that validated, plus the problems found.

    The mappings are in catalogue order and must be treated as read-only.
    """

    directory: Path
    skills: Mapping[str, Skill]
    sources: Mapping[str, Source]
    lessons: tuple[Lesson, ...]
    """In course order (front matter ``order``)."""
    scenarios: tuple[Scenario, ...]
    """Practice scenarios in the order of their first lesson, then the capstones."""
    analyses: Mapping[str, ScenarioAnalysis]
    files: Mapping[str, str]
    """Scenario id -> file it came from (relative to ``directory``)."""
    problems: tuple[Problem, ...] = ()
    skipped: tuple[str, ...] = ()
    """Files (or ``file#entry``) left out because of their own problems."""
    job_aid: str | None = None
    """The Markdown of ``content/aids/job-aid.md``, or None if the course has none (or it is unreadable)."""
    warnings: tuple[Problem, ...] = ()
    """Give-away cues (``elearn.course.cues``): reported to authors, never skip content, not in ``problems``."""
    rubric: Rubric | None = None
    """``content/rubric.yaml`` for "Say it your way" (``elearn.course.rubric``), or None if the course has none."""
    _lessons_by_id: dict[str, Lesson] = field(default_factory=dict, repr=False, compare=False)
    _scenarios_by_id: dict[str, Scenario] = field(default_factory=dict, repr=False, compare=False)
    _exercises: dict[str, dict[str, int]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._lessons_by_id.update({lesson.id: lesson for lesson in self.lessons})
        self._scenarios_by_id.update({scenario.id: scenario for scenario in self.scenarios})

    @property
    def ok(self) -> bool:
        return not self.problems

    def lesson(self, lesson_id: str) -> Lesson | None:
        return self._lessons_by_id.get(lesson_id)

    def scenario(self, scenario_id: str) -> Scenario | None:
        return self._scenarios_by_id.get(scenario_id)

    def exercises(self, skill: str) -> dict[str, int]:
        """Scenario id -> how many of its choices carry evidence for ``skill`` (only scenarios with
        any), in course order. Counted once per skill: the course home asks on every rerun."""
        counted = self._exercises.get(skill)
        if counted is None:
            counts = {s.id: sum(skill in choice.evidence for node in s.nodes for choice in node.choices)
                      for s in self.scenarios}
            counted = self._exercises.setdefault(skill, {sid: n for sid, n in counts.items() if n})
        return dict(counted)  # a copy: the cache stays as counted whatever a caller does with it

    def next_lesson(self, lesson: Lesson) -> Lesson | None:
        """The lesson after ``lesson`` in course order, None after the last."""
        ids = [each.id for each in self.lessons]
        at = ids.index(lesson.id) if lesson.id in ids else len(ids)
        return self.lessons[at + 1] if at + 1 < len(self.lessons) else None

    def cited_by(self, source_id: str) -> list[Lesson]:
        """The lessons citing source ``source_id``, in course order."""
        return [lesson for lesson in self.lessons if source_id in lesson.meta.sources]

    def practice_for(self, lesson: Lesson) -> list[Scenario]:
        """The lesson's paired scenarios that exist."""
        return [s for sid in lesson.meta.scenarios if (s := self.scenario(sid)) is not None]

    def lessons_teaching(self, skills: Iterable[str]) -> list[Lesson]:
        """The lessons that teach ``skills`` (through the skill catalogue), without repeats, in course order."""
        wanted = {self.skills[s].lesson for s in skills if s in self.skills}
        return [lesson for lesson in self.lessons if lesson.id in wanted]

    @property
    def capstones(self) -> tuple[Scenario, ...]:
        return tuple(s for s in self.scenarios if s.capstone)


def load_course(directory: Path | str, limits: ReadLimits | None = None) -> Course:
    """Read, validate and analyse the course in ``directory``; never raises for bad content.

    Files are read the safe way (``elearn.course.coursefiles``) within ``limits`` (default
    ``ReadLimits()``; the app and the checker pass the ``ELEARN_MAX_COURSE_*`` settings, see
    ``elearn.limits``). Every problem names its file relative to ``directory``.
    """
    root = Path(directory)
    folder = CourseFolder(root, limits or ReadLimits())
    problems: list[Problem] = []
    skipped: list[str] = []
    if not (root / "content").is_dir() and not (root / "quizzes").is_dir():
        # "." rather than the directory itself: problems are shown in the app, which never shows server paths.
        problems.append(Problem(".", 0, 0, "no-course", "This is not a course directory: it has neither a content/ "
                                "nor a quizzes/ folder.", "Point the checker or the app at the folder that holds "
                                "content/ and quizzes/."))
    skills, skills_doc = _load_entries(folder, SKILLS_FILE, "skills", Skill, problems, skipped)
    sources, _ = _load_entries(folder, SOURCES_FILE, "sources", Source, problems, skipped)
    lessons = _unique(_load_lessons(folder, problems, skipped), "lesson", problems, skipped)
    analysed: dict[str, ScenarioAnalysis] = {}
    scenarios = _unique(_load_scenarios(folder, problems, skipped, analysed), "scenario", problems, skipped)

    problems += _cross_reference_problems(skills, skills_doc, sources, lessons, scenarios)
    lesson_list = sorted((lesson for lesson, _ in lessons), key=lambda lesson: (lesson.meta.order, lesson.id))
    order = {lesson.id: i for i, lesson in enumerate(lesson_list)}
    scenario_list = sorted(
        (scenario for scenario, _ in scenarios),
        key=lambda s: (s.capstone, min((order.get(lid, len(order)) for lid in s.lessons), default=0), s.id),
    )
    analyses = {s.id: analysed[s.id] for s in scenario_list}
    job_aid = _read(folder, JOB_AID_FILE, problems) if os.path.lexists(root / JOB_AID_FILE) else None
    rubric_text = _read(folder, RUBRIC_FILE, problems) if os.path.lexists(root / RUBRIC_FILE) else None
    rubric, rubric_problems = load_rubric(rubric_text, folder.limits, skills, (lesson.id for lesson in lesson_list),
                                          scenario_list)
    problems += rubric_problems
    return Course(
        directory=root, skills=skills, sources=sources, lessons=tuple(lesson_list), scenarios=tuple(scenario_list),
        analyses=analyses, files={s.id: doc.file for s, doc in scenarios},
        problems=tuple(sorted(problems)), skipped=tuple(skipped), job_aid=job_aid, rubric=rubric,
        warnings=tuple(sorted(w for scenario, doc in scenarios for w in [
            *cue_warnings(scenario, doc), *cheap_success_warnings(scenario, analyses[scenario.id], doc)])),
    )


def _read(folder: CourseFolder, relative: str, problems: list[Problem]) -> str | None:
    text, problem = folder.read(relative)
    if problem is not None:
        problems.append(problem)
    return text


def _load_entries(folder: CourseFolder, relative: str, key: str, model: type[EntryT], problems: list[Problem],
                  skipped: list[str]) -> tuple[dict[str, EntryT], YamlDocument]:
    """Load a catalogue file (``key:`` holding a list of entries); a bad entry skips only itself."""
    text = _read(folder, relative, problems)
    doc = read_yaml(text or "", relative, limits=folder.limits)
    if text is None:
        return {}, doc
    problems += doc.problems
    if doc.problems and doc.data is None:
        skipped.append(relative)
        return {}, doc
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get(key), list):
        problems.append(doc.problem((), "wrong-type", f"The file must hold a list under '{key}:'.",
                                    "See docs/authoring.md for an example."))
        skipped.append(relative)
        return {}, doc
    for extra in sorted(set(doc.data) - {key}):
        problems.append(doc.problem((extra,), "unknown-key", f"Unknown key '{extra}' at the top of the file.",
                                    did_you_mean(str(extra), [key]), key=True))
    entries: dict[str, EntryT] = {}
    for index in range(len(doc.data[key])):
        entry, entry_problems = validate(doc, model, base=(key, index), what=f"{key[:-1]} {index + 1}")
        problems += entry_problems
        if entry is None:
            skipped.append(f"{relative}#{index + 1}")
        elif entry.id in entries:
            problems.append(doc.problem((key, index, "id"), "duplicate-id",
                                        f"The {key[:-1]} id '{entry.id}' appears twice in this file."))
            skipped.append(f"{relative}#{index + 1}")
        else:
            entries[entry.id] = entry
    return entries, doc


def _load_lessons(folder: CourseFolder, problems: list[Problem],
                  skipped: list[str]) -> list[tuple[Lesson, YamlDocument]]:
    found = []
    for relative in folder.paths(LESSON_GLOB):
        text = _read(folder, relative, problems)
        if text is None:
            skipped.append(relative)
            continue
        doc, body, file_problems = split_front_matter(text, relative, folder.limits)
        meta = None
        if doc is not None:
            meta, schema_problems = validate(doc, LessonMeta, what="The lesson's front matter")
            file_problems += schema_problems
        problems += file_problems
        if meta is None or doc is None or file_problems:
            skipped.append(relative)
            continue
        found.append((Lesson(meta=meta, body=body, file=relative), doc))
    return found


def _load_scenarios(folder: CourseFolder, problems: list[Problem], skipped: list[str],
                    analyses: dict[str, ScenarioAnalysis]) -> list[tuple[Scenario, YamlDocument]]:
    """Every scenario file that passes all its checks, with its path analysis put in ``analyses``
    (the first file of an id wins, as ``_unique`` keeps it)."""
    found = []
    for relative in sorted(path for pattern in SCENARIO_GLOBS for path in folder.paths(pattern)):
        text = _read(folder, relative, problems)
        if text is None:
            skipped.append(relative)
            continue
        doc = read_yaml(text, relative, limits=folder.limits)
        file_problems = list(doc.problems)
        scenario = None
        if doc.data is not None:
            scenario, schema_problems = validate(doc, Scenario, what="The scenario")
            file_problems += schema_problems
        elif not doc.problems:
            file_problems.append(Problem(relative, 1, 1, "empty-file", "The scenario file is empty."))
        if scenario is not None:
            file_problems += structure_problems(scenario, doc)
            file_problems += [] if file_problems else reachability_problems(scenario, doc)
            if not file_problems:
                analysis, more = path_problems(scenario, doc)
                file_problems += more or ending_problems(scenario, doc)
                if analysis is not None:
                    analyses.setdefault(scenario.id, analysis)
        problems += file_problems
        if scenario is None or file_problems:
            skipped.append(relative)
            continue
        found.append((scenario, doc))
    return found


ItemT = TypeVar("ItemT", Lesson, Scenario)


def _unique(items: list[tuple[ItemT, YamlDocument]], kind: str, problems: list[Problem],
            skipped: list[str]) -> list[tuple[ItemT, YamlDocument]]:
    """Keep the first file for each id; report and skip later files that reuse it."""
    first: dict[str, str] = {}
    kept = []
    for item, doc in items:
        if item.id in first:
            problems.append(doc.problem(("id",), "duplicate-id", f"The {kind} id '{item.id}' is already used by "
                                        f"{first[item.id]}.", f"Give this {kind} an id of its own."))
            skipped.append(doc.file)
            continue
        first[item.id] = doc.file
        kept.append((item, doc))
    return kept


def _cross_reference_problems(skills: Mapping[str, Skill], skills_doc: YamlDocument, sources: Mapping[str, Source],
                              lessons: list[tuple[Lesson, YamlDocument]],
                              scenarios: list[tuple[Scenario, YamlDocument]]) -> list[Problem]:
    problems: list[Problem] = []
    lesson_ids = {lesson.id for lesson, _ in lessons}
    scenario_ids = {scenario.id for scenario, _ in scenarios}

    def check(doc: YamlDocument, path: tuple[str | int, ...], ref: str, known: Iterable[str], what: str) -> None:
        known = set(known)
        if ref not in known:
            problems.append(doc.problem(path, f"unknown-{what.split()[0]}", f"'{ref}' is not a known {what}.",
                                        did_you_mean(ref, known) or f"Known: {', '.join(sorted(known)) or 'none'}."))

    orders: dict[int, str] = {}
    for lesson, doc in lessons:
        meta = lesson.meta
        for i, skill_id in enumerate(meta.skills):
            check(doc, ("skills", i), skill_id, skills, "skill (see content/skills.yaml)")
        for i, source in enumerate(meta.sources):
            check(doc, ("sources", i), source, sources, "source (see content/sources.yaml)")
        for i, scenario_id in enumerate(meta.scenarios):
            check(doc, ("scenarios", i), scenario_id, scenario_ids, "scenario (or it was skipped for its problems)")
        if meta.order in orders:
            problems.append(doc.problem(("order",), "duplicate-order", f"Lesson order {meta.order} is also used by "
                                        f"{orders[meta.order]}.", "Give each lesson its own position in the course."))
        orders.setdefault(meta.order, doc.file)

    exercised: set[str] = set()
    for scenario, doc in scenarios:
        for i, lesson_id in enumerate(scenario.lessons):
            check(doc, ("lessons", i), lesson_id, lesson_ids, "lesson (or it was skipped for its problems)")
        for n, node in enumerate(scenario.nodes):
            for c, choice in enumerate(node.choices):
                for evidence_skill in choice.evidence:
                    exercised.add(evidence_skill)
                    if evidence_skill not in skills:
                        problems.append(doc.problem(
                            ("nodes", n, "choices", c, "evidence", evidence_skill), "unknown-skill",
                            f"Choice '{choice.id}' in node '{node.id}' gives evidence for '{evidence_skill}', which is "
                            "not a known skill (see content/skills.yaml).", did_you_mean(evidence_skill, skills),
                            key=True))

    entry_index = {entry.get("id"): i for i, entry in enumerate(skills_doc.data["skills"]) if isinstance(entry, dict)} \
        if skills else {}
    for skill in skills.values():
        at = ("skills", entry_index[skill.id])
        if skill.lesson not in lesson_ids:
            problems.append(skills_doc.problem(
                (*at, "lesson"), "unknown-lesson", f"Skill '{skill.id}' is taught by lesson '{skill.lesson}', which "
                "does not exist (or was skipped for its problems).", did_you_mean(skill.lesson, lesson_ids)))
        if skill.id not in exercised and scenarios:
            problems.append(skills_doc.problem(
                (*at, "id"), "skill-not-exercised", f"Skill '{skill.id}' is not exercised by any scenario.",
                "Give it evidence in at least one choice, or remove it from the catalogue."))
    return problems
