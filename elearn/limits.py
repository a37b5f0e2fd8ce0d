"""What reading one course file may cost: the caps, their settings and their defaults.

A course folder can hold files nobody has looked at (a consultant's zip, a shared drive). The
caps make sure no single file can make the checker or the app run out of memory or time:

- ``max_file_bytes``: a file's size on disk (default 2 MiB; the largest shipped file is 29 KB);
- ``max_yaml_nodes``: the values (keys, items, texts) in one YAML document (default 20,000; the
  largest shipped scenario has about 1,100);
- ``max_yaml_depth``: how deeply YAML may nest (default 32; course files use 7).

YAML anchors and aliases (``&name`` / ``*name``) are refused outright rather than capped: the
course never needs them, and they are how a small file expands into billions of values.

``elearn`` reads no settings itself: the app and ``python -m elearn check`` read the
``ELEARN_MAX_COURSE_*`` settings and pass a ``ReadLimits`` to ``load_course``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from elearn.errors import ElearnError

MAX_FILE_BYTES_SETTING = "ELEARN_MAX_COURSE_FILE_BYTES"
MAX_YAML_NODES_SETTING = "ELEARN_MAX_COURSE_YAML_NODES"
MAX_YAML_DEPTH_SETTING = "ELEARN_MAX_COURSE_YAML_DEPTH"
SETTINGS = (MAX_FILE_BYTES_SETTING, MAX_YAML_NODES_SETTING, MAX_YAML_DEPTH_SETTING)
DEPTH_CEILING = 200
"""The depth cap can be raised this far and no further: building and validating the values
recurses once per level, and Python's own limit is 1,000 frames."""


def how_to_raise(setting: str) -> str:
    """Where an operator raises the cap named by ``setting`` (for the end of a problem's hint)."""
    return (f"raise the limit with the setting {setting} (an environment variable, or "
            f"{setting.removeprefix('ELEARN_').lower()} under [elearn] in the app's secrets)")


@dataclass(frozen=True)
class ReadLimits:
    """The caps on reading one course file; see the module docstring for what each covers."""

    max_file_bytes: int = 2 * 1024 * 1024
    max_yaml_nodes: int = 20_000
    max_yaml_depth: int = 32


class LimitSettingError(ElearnError, ValueError):
    """A cap setting is not a positive whole number; the message names the setting and the value."""


def limits_from(settings: Mapping[str, str]) -> ReadLimits:
    """Read the caps from ``settings`` (setting name -> text, e.g. ``os.environ``); blank means the default.

    Raises ``LimitSettingError`` naming the setting for anything but a whole number of 1 or more
    (``_`` separators allowed: ``4_000_000``), or a depth over ``DEPTH_CEILING``.
    """
    default = ReadLimits()
    fields = {MAX_FILE_BYTES_SETTING: ("max_file_bytes", default.max_file_bytes),
              MAX_YAML_NODES_SETTING: ("max_yaml_nodes", default.max_yaml_nodes),
              MAX_YAML_DEPTH_SETTING: ("max_yaml_depth", default.max_yaml_depth)}
    values: dict[str, int] = {}
    for setting, (field, fallback) in fields.items():
        raw = (settings.get(setting) or "").strip()
        if not raw:
            values[field] = fallback
            continue
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            shown = raw if len(raw) <= 20 else raw[:20] + "…"
            raise LimitSettingError(f"{setting} is '{shown}': expected a whole number of 1 or more, "
                                    f"like {fallback} (the default).")
        if setting == MAX_YAML_DEPTH_SETTING and value > DEPTH_CEILING:
            raise LimitSettingError(f"{setting} is {value}: it can be at most {DEPTH_CEILING}.")
        values[field] = value
    return ReadLimits(**values)
