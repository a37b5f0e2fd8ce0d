"""Lessons: Markdown files with YAML front matter.

``read_lesson_file`` splits the front matter from the body and parses it strictly; a broken
front matter is reported, never silently treated as body text (mkdocs does that; we don't).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from elearn.course.schema import LessonMeta
from elearn.course.yamlsource import DEFAULT_LIMITS, YamlDocument, read_yaml
from elearn.errors import Problem
from elearn.limits import ReadLimits

FENCE = "---"
_SOURCES_HEADING = re.compile(r"^##\s+Sources\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Lesson:
    """A validated lesson: its front matter, its Markdown body and the file it came from."""

    meta: LessonMeta
    body: str
    file: str

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def teaching(self) -> str:
        """The body without its own "## Sources" section (and anything after it): the page lists the
        sources from the front matter instead, each linked to the course's source list."""
        found = _SOURCES_HEADING.search(self.body)
        return self.body[:found.start()].rstrip() + "\n" if found else self.body


def split_front_matter(text: str, file: str, limits: ReadLimits = DEFAULT_LIMITS
                       ) -> tuple[YamlDocument | None, str, list[Problem]]:
    """Split ``text`` into its parsed front matter and its body.

    Returns (document or None, body, problems). The document is None when the file has no
    usable front matter; the problems then say why. A leading byte-order mark is ignored, as
    YAML ignores it in a scenario; the front matter is read within ``limits`` like any YAML file.
    """
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        return None, text, [Problem(
            file, 1, 1, "front-matter",
            "The lesson has no front matter: the file must start with a line '---'.",
            "Put the lesson's id, title, order, skills, sources, scenarios, minutes and summary "
            "between two '---' lines at the top (see docs/authoring.md).",
        )]
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    if closing is None:
        return None, text, [Problem(
            file, 1, 1, "front-matter",
            "The front matter is never closed: no second '---' line was found.",
            "Add a line '---' after the last front matter field, before the lesson text.",
        )]
    doc = read_yaml("".join(lines[1:closing]), file, line_offset=1, limits=limits)
    body = "".join(lines[closing + 1:])
    problems = list(doc.problems)
    if doc.data is not None and not isinstance(doc.data, dict):
        problems.append(doc.problem((), "front-matter", "The front matter must be a set of 'key: value' lines."))
        return None, body, problems
    if doc.data is None and not doc.problems:
        problems.append(Problem(file, 2, 1, "front-matter", "The front matter is empty.",
                                "Add the lesson's id, title, order, skills, sources, scenarios, minutes and summary."))
    if not body.strip():
        problems.append(Problem(file, closing + 2, 1, "empty-text", "The lesson has no text after its front matter."))
    return (doc if doc.data is not None else None), body, problems
