"""Strict YAML reading with a source position for every value.

PyYAML's defaults hide authors' mistakes: a duplicated key silently keeps the last value and
an unquoted ``no`` becomes ``False``. This reader reports both, and records where each value
and key stands so that later checks (schema, cross references, graph) can point at the exact
line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from elearn.errors import Problem

Path = tuple[str | int, ...]

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


def read_yaml(text: str, file: str, *, line_offset: int = 0) -> YamlDocument:
    """Parse one YAML document strictly.

    Never raises for bad input: syntax errors, duplicate keys and ambiguous booleans are
    returned in ``problems`` (with ``data`` set to None after a syntax error). ``line_offset``
    shifts reported lines, for YAML embedded in a larger file such as front matter.
    """
    doc = YamlDocument(file=file, data=None)
    loader = _StrictLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            doc.data = _build(root, (), doc, loader, line_offset)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
        what = exc.problem or exc.context or "cannot be read"
        doc.problems.append(
            Problem(file, line, column, "yaml-syntax", f"YAML syntax error: {what}.",
                    "Check the indentation and quoting on this line and the one before it.")
        )
        doc.data = None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        doc.problems.append(Problem(file, 1 + line_offset, 1, "yaml-syntax", f"YAML syntax error: {exc}."))
        doc.data = None
    finally:
        loader.dispose()
    doc.positions.setdefault((), (1 + line_offset, 1))
    return doc


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
                    f"Key '{key}' appears twice in the same mapping (first on line {first_line}).",
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
    return loader.construct_object(node, deep=True)
