"""Turn a parsed YAML document into a schema model, or into precise problems.

pydantic finds what is wrong; this module says it the way an author needs to hear it: where
(file:line:column of the offending key or value), what (in the author's terms: "choice 'b' in
node 'opening'"), what was expected, and a hint such as the closest valid key.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from elearn.course.yamlsource import Path, YamlDocument
from elearn.errors import Problem, did_you_mean, excerpt

ModelT = TypeVar("ModelT", bound=BaseModel)

# What to call an item of these lists when naming where a problem is.
_ITEM_NAMES = {"nodes": "node", "choices": "choice", "endings": "ending", "branch": "route",
               "skills": "skill", "sources": "source"}


def validate(doc: YamlDocument, model: type[ModelT], base: Path = (),
             what: str = "") -> tuple[ModelT | None, list[Problem]]:
    """Validate ``doc.data`` at ``base`` against ``model``.

    Returns the model (or None) and the problems found, each located in ``doc``. ``what``
    names the document in messages when the problem is at its top level.
    """
    data = _at(doc.data, base)
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = [_problem(doc, model, base, error, what) for error in exc.errors()]
        return None, sorted(set(problems))


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _real_path(data: Any, loc: tuple[int | str, ...]) -> tuple[Path, bool]:
    """Map a pydantic ``loc`` onto the data's own keys, dropping union and key markers.

    Returns the path and whether the error is about a mapping key (``[key]`` in ``loc``).
    """
    path: list[str | int] = []
    is_key = False
    node = data
    for part in loc:
        if part == "[key]":
            is_key = True
            continue
        if isinstance(node, dict | list) and _has(node, part):
            path.append(part)
            node = node[part]  # type: ignore[index]
        elif isinstance(node, dict | list):
            path.append(part)  # a missing field: keep its name so the message can say it
            node = None
    return tuple(path), is_key


def describe(data: Any, path: Path, what: str = "") -> str:
    """Name the place ``path`` points at in the author's terms, e.g. "choice 'b' in node 'opening'"."""
    names: list[str] = []
    node = data
    for i, part in enumerate(path):
        if isinstance(node, list) and isinstance(part, int):
            parent = path[i - 1] if i else ""
            item = node[part] if part < len(node) else None
            noun = _ITEM_NAMES.get(str(parent), "item")
            ident = item.get("id") if isinstance(item, dict) else None
            names.append(f"{noun} '{excerpt(ident)}'" if isinstance(ident, str) else f"{noun} {part + 1}")
        node = node[part] if isinstance(node, dict | list) and _has(node, part) else None  # type: ignore[index]
    return " in ".join(reversed(names)) or what


def _has(node: dict[Any, Any] | list[Any], part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and 0 <= part < len(node)


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names valid at ``loc`` (the mapping that holds the last element of ``loc``)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or part == "[key]":
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return []
        current = _model_in(current.model_fields[part].annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """Find the pydantic model inside list[...], X | None and similar annotations."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, str):
        return f"the text '{excerpt(value)}'"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of 'key: value' entries"
    return type(value).__name__


@dataclass(frozen=True)
class _Error:
    """One pydantic error, placed in the file and named in the author's terms."""

    kind: str
    field: str
    """The offending key, as a short excerpt ("" when the error is on a list item or the document)."""
    value: Any
    ctx: Mapping[str, Any]
    msg: str
    holder: str
    """What holds the field ("choice 'b' in node 'opening'"), or ""."""
    path: Path
    is_key: bool
    model: type[BaseModel]
    loc: tuple[int | str, ...]

    @property
    def at(self) -> str:
        return f"{self.holder}: " if self.holder else ""


@dataclass(frozen=True)
class _Said:
    rule: str
    message: str
    hint: str = ""
    on_key: bool = False
    """Point at the key rather than its value."""
    on_holder: bool = False
    """Point at what holds the field (a missing field has no place of its own)."""


def _problem(doc: YamlDocument, model: type[BaseModel], base: Path, error: ErrorDetails, what: str) -> Problem:
    data = _at(doc.data, base)
    loc = tuple(error["loc"])
    path, is_key = _real_path(data, loc)
    # Keys and values come from the file: quote them as short excerpts, never in full.
    field = excerpt(path[-1]) if path and isinstance(path[-1], str) else ""
    holder = describe(data, path[:-1] if field else path, what)
    if error["type"] in ("choice-target", "branch-order"):
        holder = describe(data, path, what)
    found = _Error(kind=error["type"], field=field, value=error.get("input"), ctx=error.get("ctx") or {},
                   msg=error["msg"], holder=holder, path=path, is_key=is_key, model=model, loc=loc)
    said = _SAYINGS.get(found.kind, _wrong_type)(found)
    full = base + (path[:-1] if said.on_holder else path)
    line, column = doc.where(full, key=said.on_key)
    return Problem(doc.file, line, column, said.rule, said.message[0].upper() + said.message[1:], said.hint)


def _missing(e: _Error) -> _Said:
    return _Said("missing-field", f"{e.holder or 'The document'} is missing the required field '{e.field}'.",
                 f"Add '{e.field}: ...' (see docs/authoring.md).", on_holder=True)


def _unknown_key(e: _Error) -> _Said:
    valid = _fields_at(e.model, e.loc)
    hint = did_you_mean(e.field, valid) or (f"Valid keys here: {', '.join(valid)}." if valid else "")
    return _Said("unknown-key", f"{e.holder or 'The document'} has an unknown key '{e.field}'.", hint, on_key=True)


def _bad_id(e: _Error) -> _Said:
    shown = f"key '{excerpt(e.path[-1])}'" if e.is_key else f"'{e.field}'"
    return _Said("bad-id", f"{e.at}{shown} is not a valid id ({_type_name(e.value)}).",
                 "Ids are lower-case letters, digits and hyphens, like 'calm-down'.", on_key=e.is_key)


def _out_of_range(e: _Error) -> _Said:
    bound = e.ctx.get("ge", e.ctx.get("le"))
    side = "at least" if e.kind == "greater_than_equal" else "at most"
    return _Said("out-of-range", f"{e.at}'{e.field}' is {e.value}, but it must be {side} {bound}.")


def _unknown_value(e: _Error) -> _Said:
    allowed = [a.strip(" '") for a in str(e.ctx.get("expected", "")).replace(" or ", ", ").split(",")]
    message = f"{e.at}'{e.field}' is '{excerpt(e.value)}', which is not one of: {', '.join(allowed)}."
    if e.is_key or (e.path and not e.field):
        message = f"{e.at}'{excerpt(e.value)}' is not one of: {', '.join(allowed)}."
    return _Said("unknown-value", message, did_you_mean(str(e.value), allowed))


def _wrong_count(e: _Error) -> _Said:
    size = e.ctx.get("min_length") if e.kind == "too_short" else e.ctx.get("max_length")
    side = "at least" if e.kind == "too_short" else "at most"
    count = e.ctx.get("actual_length", len(e.value) if isinstance(e.value, list | dict) else "?")
    return _Said("wrong-count", f"{e.at}'{e.field}' needs {side} {size} entries, but has {count}.")


def _empty_text(e: _Error) -> _Said:
    return _Said("empty-text", f"{e.at}'{e.field}' must not be empty.", "Write one or two sentences.")


def _own_rule(e: _Error) -> _Said:
    """The schema's own checks (``choice-target``, ``branch-order``) word their message themselves."""
    return _Said(e.kind, f"{e.holder or 'The document'} {e.msg}.")


_EXPECTED = {
    "int_type": "a whole number", "string_type": "text", "bool_type": "true or false", "list_type": "a list",
    "dict_type": "a set of 'key: value' entries", "model_type": "a set of 'key: value' entries",
    "model_attributes_type": "a set of 'key: value' entries",
}


def _wrong_type(e: _Error) -> _Said:
    expected = _EXPECTED.get(e.kind)
    if expected is None:
        return _Said("wrong-type", f"{e.at}'{e.field}' {e.msg}.")
    hint = ""
    if e.kind == "string_type" and isinstance(e.value, bool | int | float):
        hint = "Put the text in quotes."
    elif e.kind == "int_type" and isinstance(e.value, str) and e.value.strip().lstrip("-").isdigit():
        hint = "Remove the quotes around the number."
    target = f"'{e.field}'" if e.field else "this"
    return _Said("wrong-type", f"{e.at}{target} must be {expected}, not {_type_name(e.value)}.", hint)


_SAYINGS: dict[str, Callable[[_Error], _Said]] = {
    "missing": _missing, "extra_forbidden": _unknown_key, "string_pattern_mismatch": _bad_id,
    "greater_than_equal": _out_of_range, "less_than_equal": _out_of_range, "literal_error": _unknown_value,
    "too_short": _wrong_count, "too_long": _wrong_count, "empty-text": _empty_text,
    "choice-target": _own_rule, "branch-order": _own_rule,
}
"""How each kind of pydantic error is said to an author; any other kind is a wrong type or pydantic's words."""
