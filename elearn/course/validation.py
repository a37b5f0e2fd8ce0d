"""Turn a parsed YAML document into a schema model, or into precise problems.

pydantic finds what is wrong; this module says it the way an author needs to hear it: where
(file:line:column of the offending key or value), what (in the author's terms: "choice 'b' in
node 'opening'"), what was expected, and a hint such as the closest valid key.
"""

from __future__ import annotations

import types
import typing
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


def _problem(doc: YamlDocument, model: type[BaseModel], base: Path, error: ErrorDetails, what: str) -> Problem:
    data = _at(doc.data, base)
    loc = tuple(error["loc"])
    path, is_key = _real_path(data, loc)
    kind = error["type"]
    # Keys and values come from the file: quote them as short excerpts, never in full.
    field = excerpt(path[-1]) if path and isinstance(path[-1], str) else ""
    value = error.get("input")
    ctx = error.get("ctx") or {}
    full = base + path
    holder = describe(data, path[:-1] if field else path, what)
    at = f"{holder}: " if holder else ""
    rule = "wrong-type"
    hint = ""
    on_key = False

    if kind == "missing":
        rule = "missing-field"
        message = f"{holder or 'The document'} is missing the required field '{field}'."
        hint = f"Add '{field}: ...' (see docs/authoring.md)."
        full = base + path[:-1]
    elif kind == "extra_forbidden":
        rule = "unknown-key"
        message = f"{holder or 'The document'} has an unknown key '{field}'."
        valid = _fields_at(model, loc)
        hint = did_you_mean(field, valid) or (f"Valid keys here: {', '.join(valid)}." if valid else "")
        on_key = True
    elif kind == "string_pattern_mismatch":
        rule = "bad-id"
        shown = f"key '{excerpt(path[-1])}'" if is_key else f"'{field}'"
        message = f"{at}{shown} is not a valid id ({_type_name(value)})."
        hint = "Ids are lower-case letters, digits and hyphens, like 'calm-down'."
        on_key = is_key
    elif kind in ("greater_than_equal", "less_than_equal"):
        rule = "out-of-range"
        bound = ctx.get("ge", ctx.get("le"))
        side = "at least" if kind == "greater_than_equal" else "at most"
        message = f"{at}'{field}' is {value}, but it must be {side} {bound}."
    elif kind == "literal_error":
        rule = "unknown-value"
        allowed = [a.strip(" '") for a in str(ctx.get("expected", "")).replace(" or ", ", ").split(",")]
        message = f"{at}'{field}' is '{excerpt(value)}', which is not one of: {', '.join(allowed)}."
        hint = did_you_mean(str(value), allowed)
        if is_key or (path and not field):
            message = f"{at}'{excerpt(value)}' is not one of: {', '.join(allowed)}."
    elif kind in ("too_short", "too_long"):
        rule = "wrong-count"
        size = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        side = "at least" if kind == "too_short" else "at most"
        count = ctx.get("actual_length", len(value) if isinstance(value, list | dict) else "?")
        message = f"{at}'{field}' needs {side} {size} entries, but has {count}."
    elif kind == "empty-text":
        rule = "empty-text"
        message = f"{at}'{field}' must not be empty."
        hint = "Write one or two sentences."
    elif kind in ("choice-target", "branch-order"):
        rule = kind
        message = f"{describe(data, path, what) or 'The document'} {error['msg']}."
    else:
        expected = {
            "int_type": "a whole number", "string_type": "text", "bool_type": "true or false",
            "list_type": "a list", "dict_type": "a set of 'key: value' entries",
            "model_type": "a set of 'key: value' entries", "model_attributes_type": "a set of 'key: value' entries",
        }.get(kind)
        if expected:
            target = f"'{field}'" if field else "this"
            message = f"{at}{target} must be {expected}, not {_type_name(value)}."
            if kind == "string_type" and isinstance(value, bool | int | float):
                hint = "Put the text in quotes."
            elif kind == "int_type" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
                hint = "Remove the quotes around the number."
        else:
            message = f"{at}'{field}' {error['msg']}."
    line, column = doc.where(full, key=on_key or kind == "extra_forbidden")
    return Problem(doc.file, line, column, rule, message[0].upper() + message[1:], hint)
