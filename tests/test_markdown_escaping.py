"""Every value that reaches Streamlit's Markdown is escaped, or is trusted course text on a list.

Streamlit renders Markdown in ``st.markdown`` and in nearly every label and message: errors,
captions, titles, expander and button labels, page links, tooltips. A query parameter, a
display name or a CSV field shown there unescaped can draw an attacker's link or load an
external image inside the app. This test reads the source of ``pages/``, ``ui/`` and
``app.py`` with ``ast`` and, for every such call, checks each value passed to it:

- a string constant is fine;
- in an f-string, each ``{value}`` must be wrapped in ``md_escape(...)``, carry a format spec
  (``{share:.0%}``, ``{count:d}``: only numbers format that way), or be a ``len(...)``;
- a plain name is followed to the f-strings or constants assigned to it in the same function;
- anything else (an attribute, a call, a parameter) must be on ``TRUSTED`` with the reason it
  is safe: course text that the course's authors write as Markdown and ``elearn check`` checks,
  fixed strings from our own code, or values already escaped where they were built.
"""

from __future__ import annotations

import ast
import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ui.text import WORD_JOINER, md_escape

from .conftest import REPO

SCANNED = sorted([*(REPO / "pages").glob("*.py"), *(REPO / "ui").glob("*.py"), REPO / "app.py"])

MARKDOWN_CALLS: dict[str, tuple[int, ...]] = {
    # Streamlit callables whose text is rendered as Markdown -> the positional arguments that are.
    **dict.fromkeys(["markdown", "caption", "error", "warning", "info", "success", "exception", "title", "header",
                     "subheader", "expander", "popover", "status", "toast", "dialog", "badge", "button",
                     "link_button", "download_button", "form_submit_button", "checkbox", "toggle", "radio",
                     "selectbox", "multiselect", "select_slider", "slider", "pills", "segmented_control",
                     "text_input", "text_area", "number_input", "date_input", "time_input", "file_uploader",
                     "color_picker", "camera_input", "metric", "tabs"], (0,)),
    "page_link": (1,),
    "progress": (1,),
    "write": tuple(range(8)),
    # Our own wrappers, whose label goes into st.page_link.
    "link": (1,),
    "link_lesson": (1,),
    "link_scenario": (1,),
}
MARKDOWN_KEYWORDS = {"body", "label", "text", "help"}
NOT_STREAMLIT = {"log", "logger", "logging", "parser", "warnings"}
NUMBERS = {"len", "int", "round", "abs"}
COUNTED = "counted"  # ui.text.counted(number, "noun"): a number and a fixed noun, when the nouns are constants

LOCAL_MARKDOWN_CALLS: dict[tuple[str, str], tuple[int, ...]] = {
    # Helpers of one page whose argument ends up in Markdown: their calls are checked too.
    ("pages/people.py", "done"): (0,),
}

COURSE = "course text, written by the course's authors as Markdown and checked by elearn check"
FIXED = "a fixed word or label from our own code"
NUMBER = "a number (an int attribute of a course or progress value)"
PASS_WORDS = FIXED + " and the pass mark, a number (ui.manage.pass_rule_words)."
WHEN_WORDS = FIXED + " and a number (elearn.learner.review.due_in_words)."
DEBRIEF = COURSE + ": an ending's debrief and the notes the path earns (elearn.course.endings.debrief_for)."

TRUSTED: dict[tuple[str, str], str] = {
    # (file, expression as written) -> why it may go into Markdown unescaped.
    ("ui/nav.py", "label"): "link()'s label parameter: every call of link/link_lesson/link_scenario is itself "
                            "checked by this test as a Markdown call.",
    ("ui/session.py", "label"): "link_lesson()/link_scenario()'s label parameter, passed to link(): their calls "
                                "are checked by this test.",
    ("ui/anger.py", "run.mood"): FIXED + " (elearn.play.engine's mood words).",
    ("ui/errors.py", "OUTAGE"): FIXED + " (the store-outage message).",
    ("ui/errors.py", "OUR_SIDE"): FIXED + " (the message for a bug of ours).",
    ("ui/manage.py", "label"): FIXED + " (the EXPORTS table).",
    ("pages/dashboard.py", "problem"): "elearn.manage.dashboard.filter_problems: fixed text and formatted dates.",
    ("pages/dashboard.py", "skill.name"): COURSE,
    ("pages/dashboard.py", "skill.lesson.title"): COURSE,
    ("pages/home.py", "step.reason"): "built by elearn.learner.journey from course titles (course text)"
                                      " and fixed words.",
    ("pages/home.py", "advice.reason"): "built by elearn.learner.journey from course titles and"
                                        " skill names (course text).",
    ("pages/home.py", "step.scenario.title"): COURSE,
    ("pages/home.py", "step.lesson.title"): COURSE,
    ("pages/home.py", "advice.lesson.title"): COURSE,
    ("pages/home.py", "advice.scenario.title"): COURSE,
    ("pages/home.py", "module.title"): COURSE,
    ("pages/home.py", "item.scenario.title"): COURSE,
    ("pages/home.py", "number"): NUMBER + ": the module's position from enumerate().",
    ("pages/home.py", "module.lesson.meta.minutes"): NUMBER + ": LessonMeta.minutes is an int.",
    ("pages/home.py", "status_badge(module.status)"): FIXED + " (ui.session.status_badge).",
    ("pages/home.py", "channel"): FIXED + " (elearn.course.schema.CHANNEL_LABELS).",
    ("pages/home.py", "item.status"): FIXED + " (elearn.learner.journey's status words).",
    ("pages/join.py", "ending.title"): COURSE,
    ("pages/join.py", "run.scenario.persona.name"): COURSE,
    ("pages/join.py", "node.customer"): COURSE,
    ("pages/join.py", "choice.say"): COURSE,
    ("pages/join.py", "LETTERS[index]"): FIXED + " (A, B, C, D).",
    ("pages/lesson.py", "lesson.title"): COURSE,
    ("pages/lesson.py", "lesson.meta.summary"): COURSE,
    ("pages/lesson.py", "lesson.teaching"): COURSE + ": the lesson itself (without its Sources section), Markdown "
                                                     "by design.",
    ("pages/lesson.py", "source.title"): COURSE + ": a source's title (content/sources.yaml).",
    ("pages/lesson.py", "source.author"): COURSE + ": a source's author (content/sources.yaml).",
    ("pages/lesson.py", "following.title"): COURSE + ": the next lesson's title.",
    ("pages/lesson.py", "scenario.title"): COURSE,
    ("pages/people.py", "notice"): "set only by done(), whose calls this test checks (LOCAL_MARKDOWN_CALLS).",
    ("pages/people.py", "', '.join(COLUMNS)"): FIXED + " (elearn.manage.roster.COLUMNS).",
    ("pages/people.py", "str(RosterRefused(problems))"): FIXED + ": a count of problems"
                                                    " (elearn.manage.roster.RosterRefused).",
    ("pages/people.py", "str(refused)"): FIXED + ": a count of problems (elearn.manage.roster.RosterRefused); the rows "
                                         "themselves go into a dataframe, never Markdown.",
    ("pages/skills.py", "skill.name"): COURSE,
    ("pages/dashboard.py", "manage.pass_rule_words(board.pass_rule)"): PASS_WORDS,
    ("pages/home.py", "best_result(item, rule)"): FIXED + " (journey.best_result).",
    ("pages/job_aid.py", "course.job_aid"): COURSE + ": the job aid, Markdown by design.",
    ("pages/job_aid.py", "source.title"): COURSE + ": a source's title (content/sources.yaml).",
    ("pages/job_aid.py", "source.author"): COURSE + ": a source's author (content/sources.yaml).",
    ("pages/job_aid.py", "lesson.title"): COURSE,
    ("pages/learner.py", "manage.pass_rule_words(rule)"): PASS_WORDS,
    ("pages/present.py", "letter(shown, majority)"): FIXED + " (A-D, elearn.workshop.rules.letter).",
    ("pages/present.py", "letter(shown, choice.id)"): FIXED + " (A-D, elearn.workshop.rules.letter).",
    ("pages/present.py", "review.ending_title"): COURSE,
    ("pages/present.py", "review.ending_outcome"): FIXED + " (elearn.course.schema.OUTCOME_LABELS).",
    ("pages/present.py", "review.ending_debrief"): DEBRIEF,
    ("pages/present.py", "taken_share.letter"): FIXED + " (A-D).",
    ("pages/present.py", "shorten(row.taken_say, SAY_SHOWN, placeholder='…')"): COURSE + ", cut at a word.",
    ("pages/present.py", "s.name"): COURSE + ": a skill name.",
    ("pages/present.py", "scenario.title"): COURSE,
    ("ui/deep_links.py", "SPECS[name].title"): FIXED + ": a page's title (ui.nav.SPECS).",
    ("ui/deep_links.py", "' or '.join(dict.fromkeys((ROLE_WORDS[role] for role in roles)))"):
        FIXED + ": role words (ui.deep_links.ROLE_WORDS).",
    ("ui/deep_links.py", "' or '.join(dict.fromkeys((ROLE_NAMES[role] for role in roles)))"):
        FIXED + ": role names (ui.deep_links.ROLE_NAMES).",
    ("pages/signin.py", "SPECS[wanted.page].title"): FIXED + ": a page's title (ui.nav.SPECS); wanted.page is "
                                                              "one of SPECS' names (ui.deep_links).",
    ("pages/present.py", "room.code"): FIXED + ": a join code made by the store from CODE_ALPHABET.",
    ("pages/rooms.py", "room.code"): FIXED + ": a join code made by the store from CODE_ALPHABET.",
    ("pages/rooms.py", "review.scenario_title"): COURSE,
    ("pages/rooms.py", "review.ending_title"): COURSE,
    ("pages/rooms.py", "review.ending_outcome"): FIXED + " (elearn.course.schema.OUTCOME_LABELS).",
    ("pages/rooms.py", "review.ending_debrief"): DEBRIEF,
    ("pages/rooms.py", "scores_line(review)"): FIXED + " and formatted numbers (elearn.workshop.report.scores_line).",
    ("pages/rooms.py", "skill.name"): COURSE,
    ("pages/rooms.py", "skill.lesson"): COURSE + ": a lesson title.",
    ("pages/rooms.py", "row.customer"): COURSE,
    ("pages/rooms.py", "scenario.title"): COURSE,
    ("pages/rooms.py", "room.scenario_id"): "a scenario id: a slug.",
    ("pages/scenario.py", "scenario.title"): COURSE,
    ("pages/scenario.py", "scenario.summary"): COURSE,
    ("pages/scenario.py", "scenario.persona.name"): COURSE,
    ("pages/scenario.py", "scenario.persona.description"): COURSE,
    ("pages/scenario.py", "node.narration"): COURSE,
    ("pages/scenario.py", "node.customer"): COURSE,
    ("pages/scenario.py", "choice.say"): COURSE,
    ("pages/scenario.py", "choice.reaction"): COURSE,
    ("pages/scenario.py", "choice.feedback"): COURSE,
    ("pages/scenario.py", "choice.anger_note"): COURSE,
    ("pages/scenario.py", "course.skills[s].name"): COURSE,
    ("pages/scenario.py", "lesson.title"): COURSE,
    ("ui/own_words.py", "lesson.title"): COURSE,
    ("pages/scenario.py", "ending.title"): COURSE,
    ("pages/scenario.py", "point.customer"): COURSE,
    ("pages/scenario.py", "point.said"): COURSE,
    ("pages/scenario.py", "point.why"): COURSE,
    ("pages/scenario.py", "point.better"): COURSE,
    ("pages/scenario.py", "point.better_why"): COURSE,
    ("pages/scenario.py", "row.answer"): COURSE + ": the answer's words (elearn.play.debrief.Decision.answer).",
    ("pages/scenario.py", "CHANNEL_LABELS[scenario.channel]"): FIXED + " (elearn.course.schema.CHANNEL_LABELS).",
    ("pages/scenario.py", "s"): "a skill id from the scenario's evidence, a slug checked by elearn check.",
    ("pages/scenario.py", "RATING_WORDS[r]"): FIXED + " (RATING_WORDS).",
    ("pages/scenario.py", "RATING_WORDS[rating]"): FIXED + " (RATING_WORDS).",
    ("pages/scenario.py", "rule.label(ending.outcome, current.score)"): FIXED + " (PassRule.label).",
    ("pages/scenario.py", "debrief_for(ending, current.path)"): DEBRIEF,
    ("pages/scenario.py", "name"): COURSE + ": a skill name (elearn.play.debrief.TurningPoint.evidence).",
    ("pages/review.py", "ANSWER_WORDS[done.rating]"): FIXED + " (ANSWER_WORDS).",
    ("pages/review.py", "choice.feedback"): COURSE,
    ("pages/review.py", "better.say"): COURSE,
    ("pages/review.py", "better.feedback"): COURSE,
    ("pages/review.py", "card.scenario.title"): COURSE,
    ("pages/review.py", "card.node.narration"): COURSE,
    ("pages/review.py", "card.scenario.persona.name"): COURSE,
    ("pages/review.py", "card.node.customer"): COURSE,
    ("pages/review.py", "choice.say"): COURSE,
    ("pages/review.py", "due_in_words(done.schedule.due_at, done.reviewed_at)"): WHEN_WORDS,
    ("pages/review.py", "due_in_words(soonest, moment)"): WHEN_WORDS,
    ("ui/confidence.py", "title"): FIXED + " (INTRO).",
    ("ui/confidence.py", "intro"): FIXED + " (INTRO).",
    ("ui/confidence.py", "skill.name"): COURSE,
    ("ui/confidence.py", "skill.description"): COURSE,
    ("pages/signin.py", "wait_phrase(result)"): FIXED + ": a duration in words (ui.auth.wait_phrase).",
    ("pages/skills.py", "item.mastery.shown"): NUMBER + ": a formatted percentage (SkillMastery.shown).",
    ("pages/skills.py", "item.lesson.title"): COURSE,
    ("pages/skills.py", "item.scenario.title"): COURSE,
    ("ui/manage.py", "pass_rule_words(rule)"): PASS_WORDS,
    ("ui/workshop.py", "wait_phrase(throttled)"): FIXED + ": a duration in words (ui.auth.wait_phrase).",
    ("ui/workshop.py", "node.narration"): COURSE,
    ("ui/workshop.py", "scenario.persona.name"): COURSE,
    ("ui/workshop.py", "node.customer"): COURSE,
    ("ui/workshop.py", "LETTERS[index]"): FIXED + " (A, B, C, D).",
    ("ui/workshop.py", "choice.say"): COURSE,
    ("ui/workshop.py", "letter(run.choices_shown(node), choice.id)"): FIXED + " (A-D, elearn.workshop.rules.letter).",
    ("ui/workshop.py", "choice.reaction"): COURSE,
    ("ui/workshop.py", "choice.feedback"): COURSE,
    ("ui/workshop.py", "choice.anger_note"): COURSE,
}


@dataclass(frozen=True)
class Unescaped:
    file: str
    line: int
    call: str
    value: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.call}(...) shows {self.value} unescaped"


def _name(func: ast.expr) -> str | None:
    """The Markdown callable ``func`` names, or None (``st.error`` -> "error", ``link`` -> "link")."""
    if isinstance(func, ast.Attribute) and func.attr in MARKDOWN_CALLS:
        receiver = func.value
        while isinstance(receiver, ast.Attribute):
            receiver = receiver.value
        return None if isinstance(receiver, ast.Name) and receiver.id in NOT_STREAMLIT else func.attr
    if isinstance(func, ast.Name) and func.id in MARKDOWN_CALLS and func.id in {"link", "link_lesson",
                                                                                "link_scenario"}:
        return func.id
    if isinstance(func, ast.IfExp):  # (st.success if good else st.error)(...)
        return _name(func.body) or _name(func.orelse)
    return None


class _Scopes(ast.NodeVisitor):
    """Each function's (and the module's) simple ``name = value`` assignments, and where calls sit."""

    def __init__(self) -> None:
        self.assigned: dict[ast.AST, dict[str, list[ast.expr]]] = {}
        self.scope_of: dict[ast.AST, ast.AST] = {}
        self._stack: list[ast.AST] = []

    def visit_Module(self, node: ast.Module) -> None:
        self._enter(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._enter(node)

    def _enter(self, node: ast.AST) -> None:
        self._stack.append(node)
        self.assigned[node] = {}
        self.generic_visit(node)
        self._stack.pop()

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assigned[self._stack[-1]].setdefault(target.id, []).append(node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self.assigned[self._stack[-1]].setdefault(node.target.id, []).append(node.value)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.scope_of[node] = self._stack[-1]
        self.generic_visit(node)


def _is_md_escape(node: ast.expr) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    return (isinstance(func, ast.Name) and func.id == "md_escape") or (
        isinstance(func, ast.Attribute) and func.attr == "md_escape")


def _offenders(node: ast.expr, assigned: dict[str, list[ast.expr]], file: str, seen: frozenset[str]) -> list[str]:
    """The parts of ``node`` that would reach Markdown unescaped and untrusted (as source text)."""
    if (file, ast.unparse(node)) in TRUSTED:
        return []
    if isinstance(node, ast.Constant) or _is_md_escape(node):
        return []
    if isinstance(node, ast.JoinedStr):
        found = []
        for part in node.values:
            if not isinstance(part, ast.FormattedValue) or part.format_spec is not None:
                continue
            value = part.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in NUMBERS:
                continue
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == COUNTED:
                found += [bad for noun in value.args[1:] if not isinstance(noun, ast.Constant)
                          for bad in _offenders(noun, assigned, file, seen)]
                continue
            found += _offenders(value, assigned, file, seen)
        return found
    if isinstance(node, ast.IfExp):
        return _offenders(node.body, assigned, file, seen) + _offenders(node.orelse, assigned, file, seen)
    if isinstance(node, ast.BoolOp):
        return [bad for value in node.values for bad in _offenders(value, assigned, file, seen)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _offenders(node.left, assigned, file, seen) + _offenders(node.right, assigned, file, seen)
    if isinstance(node, ast.List | ast.Tuple):
        return [bad for item in node.elts for bad in _offenders(item, assigned, file, seen)]
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
            and isinstance(node.func.value, ast.Constant) and len(node.args) == 1
            and isinstance(node.args[0], ast.GeneratorExp | ast.ListComp)):
        return _offenders(node.args[0].elt, assigned, file, seen)
    if isinstance(node, ast.Name) and node.id in assigned and node.id not in seen:
        return [bad for value in assigned[node.id] for bad in _offenders(value, assigned, file, seen | {node.id})]
    return [ast.unparse(node)]


def _markdown_values(call: ast.Call, positions: tuple[int, ...]) -> list[ast.expr]:
    values = [arg for index, arg in enumerate(call.args) if index in positions]
    return values + [kw.value for kw in call.keywords if kw.arg in MARKDOWN_KEYWORDS]


def unescaped_in(source: str, file: str) -> list[Unescaped]:
    """Every value in ``source`` (the text of ``file``) that goes into a Markdown call unescaped and
    is not on ``TRUSTED``."""
    tree = ast.parse(source)
    scopes = _Scopes()
    scopes.visit(tree)
    found = []
    for call, scope in scopes.scope_of.items():
        assert isinstance(call, ast.Call)
        assigned = scopes.assigned[scope]
        name = _name(call.func)
        positions = MARKDOWN_CALLS.get(name or "", ())
        if name is None and isinstance(call.func, ast.Name):
            local = LOCAL_MARKDOWN_CALLS.get((file, call.func.id))
            # box = st.success if ... else st.error; box(f"...")
            name = call.func.id if local else next(
                (n for value in assigned.get(call.func.id, []) if (n := _name(value))), None)
            positions = local or MARKDOWN_CALLS.get(name or "", ())
        if name is None:
            continue
        for value in _markdown_values(call, positions):
            found += [Unescaped(file, call.lineno, name, bad) for bad in _offenders(value, assigned, file, frozenset())]
    return found


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_value_in_markdown_is_escaped_or_trusted(path: Path) -> None:
    file = path.relative_to(REPO).as_posix()
    assert [str(u) for u in unescaped_in(path.read_text(encoding="utf-8"), file)] == []


def test_every_trusted_entry_is_still_used() -> None:
    """A trusted entry whose code has gone must go too, or the list stops meaning anything."""
    used = set()
    for path in SCANNED:
        file = path.relative_to(REPO).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.expr) and (file, ast.unparse(node)) in TRUSTED:
                used.add((file, ast.unparse(node)))
    assert sorted(set(TRUSTED) - used) == []


@pytest.mark.parametrize(("source", "expected"), [
    ('st.error(f"No lesson called {lesson_id}")', ["lesson_id"]),
    ('st.error(f"No lesson called {md_escape(lesson_id)}")', []),
    ('st.caption(f"{share:.0%} done, {len(items)} items")', []),
    ('box = st.success if ok else st.error\nbox(f"**Why:** {choice.feedback}")', ["choice.feedback"]),
    ('(st.success if ok else st.warning)(name)', ["name"]),
    ('label = f"Hi {user.display_name}"\nst.button(label, key="k")', ["user.display_name"]),
    ('st.expander(" · ".join(f"{row.name}" for row in rows))', ["row.name"]),
    ('st.page_link(page, label=f"{title}", help=nickname)', ["title", "nickname"]),
    ('link("home", f"Back to {team.name}")', ["team.name"]),
    ('log.error(f"failed {path}")', []),
    ('st.code(f"{secret_free_text}")', []),
])
def test_the_walker_finds_unescaped_values(source: str, expected: list[str]) -> None:
    # The rules above, on small programs: a check that could never fail would prove nothing.
    assert [u.value for u in unescaped_in(source, "pages/probe.py")] == expected


def test_a_pages_own_markdown_helper_is_checked_where_it_is_called() -> None:
    source = 'def done(message):\n    st.success(message)\ndone(f"{md_escape(a)} moved")\ndone(f"{b} moved")'
    assert [u.value for u in unescaped_in(source, "pages/people.py")] == ["message", "b"]


@pytest.mark.parametrize("text", [
    "[x](http://evil)", "![i](http://evil/i.png)", "<img src=http://evil/i.png>", "<http://evil>",
    "&#x202e;gnp.exe", "&lt;b&gt; &amp;", "**bold** _it_ `code` ~~gone~~", "# Heading", "1. item", "- item",
    "> quote", "a\\b \\[x\\]", "[x]: http://evil", "| a | b |", "Zoë O'Brien-Smith (team: 3.5)",
    "bare https://evil.example/x www.evil.example me@evil.example",
])
def test_escaped_text_renders_as_the_same_text(text: str) -> None:
    from markdown_it import MarkdownIt

    made = MarkdownIt("commonmark").render(md_escape(text))
    assert re.fullmatch(r"<p>[^<]*</p>\n", made), made
    # What a reader sees: the text itself (the invisible word joiners that stop autolinks apart).
    assert html.unescape(made.removeprefix("<p>").removesuffix("</p>\n")).replace(WORD_JOINER, "") == text


@pytest.mark.parametrize(("text", "unlinked"), [
    ("see https://evil.example/x", "see https\u2060://evil.example/x"),
    ("HTTP://A.B", "HTTP\u2060://A.B"),
    ("www.evil.example", "www\u2060.evil.example"),
    ("mail me@evil.example", "mail me@\u2060evil.example"),
    ("a new www word, shttp: no", "a new www word, shttp: no"),
])
def test_bare_addresses_cannot_become_autolinks(text: str, unlinked: str) -> None:
    """GFM finds autolink literals after the escapes are read; a word joiner in the marker stops them
    (the browser test tests/browser/test_own_words_browser.py checks no link is drawn)."""
    assert md_escape(text).replace("\\", "") == unlinked
