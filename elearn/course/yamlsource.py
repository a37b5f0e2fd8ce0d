"""Strict YAML reading with a source position for every value.

PyYAML's defaults hide authors' mistakes: a duplicated key silently keeps the last value and
an unquoted ``no`` becomes ``False``. This reader reports both, and records where each value
and key stands so that later checks (schema, cross references, graph) can point at the exact
line and column.

It is also where a hostile file stops costing anything: anchors and aliases are refused, and
the number of values and the nesting depth are capped (``elearn.limits``) while the document
is composed, before a single value is built (see ``_compose``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from elearn.errors import Problem, excerpt
from elearn.limits import MAX_YAML_DEPTH_SETTING, MAX_YAML_NODES_SETTING, ReadLimits, how_to_raise

Path = tuple[str | int, ...]
DEFAULT_LIMITS = ReadLimits()

# YAML 1.1 reads these plain words as booleans; we keep them as text and warn the author.
_AMBIGUOUS_TAG = "tag:elearn,2026:ambiguous-bool"
_AMBIGUOUS = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_TRUE_FALSE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader whose only booleans are true/false; yes/no/on/off get a tag of their own."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _TRUE_FALSE, list("tTfF"))
_StrictLoader.add_implicit_resolver(_AMBIGUOUS_TAG, _AMBIGUOUS, list("yYnNoO"))


def _construct_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_StrictLoader.add_constructor(_AMBIGUOUS_TAG, _construct_text)


@dataclass
class YamlDocument:
    """A parsed YAML document: plain Python data plus where each part came from.

    ``positions`` maps a path of keys and indexes to the (line, column) of that value;
    ``key_positions`` maps the path of a mapping entry to where its key is written.
    """

    file: str
    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def where(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Return the position of the deepest known part of ``path`` (the key if ``key``)."""
        probe = tuple(path)
        while probe:
            table = self.key_positions if key else self.positions
            if probe in table:
                return table[probe]
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, path: Path, rule: str, message: str, hint: str = "", *, key: bool = False) -> Problem:
        """Build a problem located at ``path`` in this document."""
        line, column = self.where(path, key=key)
        return Problem(self.file, line, column, rule, message, hint)


def read_yaml(text: str, file: str, *, line_offset: int = 0, limits: ReadLimits = DEFAULT_LIMITS) -> YamlDocument:
    """Parse one YAML document strictly, within ``limits``.

    Never raises for bad input: syntax errors, duplicate keys, ambiguous booleans, values that
    cannot be read, anchors and aliases, and documents over the node or depth cap are returned
    in ``problems`` (with ``data`` set to None when the document as a whole cannot be used).
    The caps are checked while the document is composed, before anything is built, so a hostile
    file costs at most ``limits.max_yaml_nodes`` nodes and never deep recursion. ``line_offset``
    shifts reported lines, for YAML embedded in a larger file such as front matter.
    """
    doc = YamlDocument(file=file, data=None)
    loader = _StrictLoader(text)
    try:
        root = _compose(loader, doc, limits, line_offset)
        if root is not None:
            doc.data = _build(root, (), doc, loader, line_offset)
    except _Refused as refused:
        doc.problems.append(refused.problem)
        doc.data = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
        what = exc.problem or exc.context or "cannot be read"
        hint = "Check the indentation and quoting on this line and the one before it."
        if isinstance(exc, yaml.constructor.ConstructorError):
            hint = "Course files use plain YAML: remove the '!' tag, or put the value in quotes."
        doc.problems.append(Problem(file, line, column, "yaml-syntax", f"YAML syntax error: {excerpt(what, 120)}.",
                                    hint))
        doc.data = None
    except yaml.reader.ReaderError:
        doc.problems.append(_control_character(text, file, line_offset))
        doc.data = None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        doc.problems.append(Problem(file, 1 + line_offset, 1, "yaml-syntax",
                                    f"YAML syntax error: {excerpt(exc, 120)}."))
        doc.data = None
    finally:
        loader.dispose()
    doc.positions.setdefault((), (1 + line_offset, 1))
    return doc


def _control_character(text: str, file: str, offset: int) -> Problem:
    """Locate the first character YAML refuses (NUL, BEL, ...), which the C reader does not."""
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    start = found.start() if found else 0
    line = text.count("\n", 0, start) + 1 + offset
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    shown = excerpt(found.group() if found else "?")
    return Problem(file, line, column, "control-character",
                   f"The file holds a control character ({shown}) that YAML does not allow.",
                   "Remove it: it is usually left over from copying text out of another program.")


class _Refused(Exception):
    """The document breaks a rule that makes it unusable as a whole (an alias, a cap)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _refuse(doc: YamlDocument, event: Any, offset: int, rule: str, message: str, hint: str) -> _Refused:
    mark = event.start_mark
    return _Refused(Problem(doc.file, mark.line + 1 + offset, mark.column + 1, rule, message, hint))


def _compose(loader: _StrictLoader, doc: YamlDocument, limits: ReadLimits, offset: int) -> yaml.Node | None:
    """Compose the single document of ``loader``'s stream into nodes, without recursion.

    PyYAML's own composer recurses once per level (a RecursionError at ~600 levels, a crash of
    the C stack at ~50,000) and expands aliases into shared nodes; this one reads the flat
    event stream, refuses anchors and aliases at the first one, and stops at the first node
    over ``limits.max_yaml_nodes`` or the first level over ``limits.max_yaml_depth``.
    """
    loader.get_event()  # StreamStartEvent
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # DocumentStartEvent
    # Open collections, innermost last; a mapping also holds its key while its value is awaited.
    stack: list[tuple[yaml.CollectionNode, list[yaml.Node]]] = []
    count = 0
    root: yaml.Node | None = None
    while root is None:
        event: Any = loader.get_event()  # PyYAML's stubs don't know the C parser's events and marks
        if isinstance(event, yaml.CollectionEndEvent):
            closed, _ = stack.pop()
            closed.end_mark = event.end_mark
            if not stack:
                root = closed
            continue
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _refuse(doc, event, offset, "yaml-alias",
                          "YAML anchors and aliases ('&name' and '*name') are not allowed in course files.",
                          "Write the value out in full where it is needed. There is no setting to allow them: "
                          "they let a few lines expand into billions of values.")
        count += 1
        if count > limits.max_yaml_nodes:
            raise _refuse(doc, event, offset, "too-many-values",
                          f"The file holds more than {limits.max_yaml_nodes:,} YAML values (keys, list items and "
                          "texts), the limit for one course file.",
                          "The largest shipped scenario holds about 1,100. Split the file, or "
                          f"{how_to_raise(MAX_YAML_NODES_SETTING)}.")
        node = _node_for(loader, event)
        if stack:
            parent, pending = stack[-1]
            if isinstance(parent, yaml.SequenceNode):
                parent.value.append(node)
            elif pending:
                parent.value.append((pending.pop(), node))
            else:
                pending.append(node)
        if isinstance(node, yaml.CollectionNode):
            if len(stack) >= limits.max_yaml_depth:
                raise _refuse(doc, event, offset, "too-deep",
                              f"The YAML here is nested more than {limits.max_yaml_depth} levels deep, the limit "
                              "for a course file.",
                              "Course files need about 7 levels: look for brackets that are never closed, or "
                              f"{how_to_raise(MAX_YAML_DEPTH_SETTING)}.")
            stack.append((node, []))
        elif not stack:
            root = node
    loader.get_event()  # DocumentEndEvent
    if not loader.check_event(yaml.StreamEndEvent):
        raise _refuse(doc, loader.peek_event(), offset, "yaml-syntax",
                      "YAML syntax error: the file holds more than one YAML document.",
                      "A '---' line starts a new document: remove it, or put the text before it in quotes.")
    return root


def _node_for(loader: _StrictLoader, event: Any) -> yaml.Node:
    """The node an event starts, with its tag resolved the way PyYAML's composer resolves it."""
    tag = getattr(event, "tag", None)
    start: Any = event.start_mark  # a C mark, which the stubs don't list
    end: Any = event.end_mark
    if isinstance(event, yaml.ScalarEvent):
        if tag is None or tag == "!":
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        return yaml.ScalarNode(tag, event.value, start, end, style=event.style)
    kind: type[yaml.CollectionNode] = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) \
        else yaml.MappingNode
    if tag is None or tag == "!":
        tag = loader.resolve(kind, None, event.implicit)
    return kind(tag, [], start, None, flow_style=event.flow_style)


def _mark(node: yaml.Node, offset: int) -> tuple[int, int]:
    return node.start_mark.line + 1 + offset, node.start_mark.column + 1


def _build(node: yaml.Node, path: Path, doc: YamlDocument, loader: _StrictLoader, offset: int) -> Any:
    doc.positions[path] = _mark(node, offset)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves YAML merge keys (<<) the standard way
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node, (*path, "<key>"), doc, loader, offset)
            if not isinstance(key, str | int):
                doc.problems.append(doc.problem((*path, "<key>"), "bad-key", "A key must be a plain word."))
                continue
            key_path = (*path, key)
            if key in result:
                first_line = doc.key_positions[key_path][0]
                line, column = _mark(key_node, offset)
                doc.problems.append(Problem(
                    doc.file, line, column, "duplicate-key",
                    f"Key '{excerpt(key)}' appears twice in the same mapping (first on line {first_line}).",
                    "YAML would silently keep only the last one: remove or rename one of them.",
                ))
                continue
            doc.key_positions[key_path] = _mark(key_node, offset)
            result[key] = _build(value_node, key_path, doc, loader, offset)
        doc.positions.pop((*path, "<key>"), None)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), doc, loader, offset) for i, item in enumerate(node.value)]
    if node.tag == _AMBIGUOUS_TAG:
        line, column = _mark(node, offset)
        doc.problems.append(Problem(
            doc.file, line, column, "ambiguous-boolean",
            f"Unquoted '{node.value}' is read as a yes/no value by many YAML tools.",
            f"Write \"{node.value}\" in quotes if you mean the word, or true/false for a yes/no setting.",
        ))
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError):
        # PyYAML's own constructors raise these for values that look like a number or a date but
        # are not one (2026-13-45, or an integer of more than 4,300 digits).
        line, column = _mark(node, offset)
        kind = _KINDS.get(node.tag, "a value")
        doc.problems.append(Problem(
            doc.file, line, column, "bad-value", f"'{excerpt(node.value)}' looks like {kind} but is not one.",
            "Put it in quotes if you mean it as text."))
        return None


_KINDS = {"tag:yaml.org,2002:int": "a whole number", "tag:yaml.org,2002:float": "a number",
          "tag:yaml.org,2002:timestamp": "a date"}
