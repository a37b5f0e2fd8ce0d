"""The import graph of ``elearn/``: no cycle, and every import points down the layers.

From the bottom: the shared vocabulary (errors, limits, names); the course as authored; the
store; playing a scenario; what a learner sees; what a manager sees; workshops; the settings
(the composition root); the command line. A module may import its own package and the packages
below it, never one above: so the store never reaches for a domain rule and nothing in the core
depends on how it is configured or launched.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import REPO

LAYERS: tuple[tuple[str, ...], ...] = (
    ("elearn.errors", "elearn.limits", "elearn.names"),
    ("elearn.course",),
    ("elearn.store",),
    ("elearn.play",),
    ("elearn.learner",),
    ("elearn.manage",),
    ("elearn.workshop",),
    ("elearn.certificates",),
    ("elearn.mail",),
    ("elearn.lti",),
    ("elearn.lrs",),
    ("elearn.settings",),
    ("elearn.cli", "elearn.__main__"),
)
MODULES = {".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"): p
           for p in sorted((REPO / "elearn").rglob("*.py")) if "migrations" not in p.parts}


def layer_of(module: str) -> int:
    for number, members in enumerate(LAYERS):
        if any(module == m or module.startswith(m + ".") for m in members):
            return number
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in {Path(__file__).name}")


def imports_of(path: Path) -> set[str]:
    """The ``elearn`` modules ``path`` imports, at any depth of the file (deferred imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found |= {name for name in names if name in MODULES}
    return found


GRAPH = {module: imports_of(path) for module, path in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_own_layer_and_those_below(module: str) -> None:
    upward = sorted(target for target in GRAPH[module] if layer_of(target) > layer_of(module))
    assert not upward, f"{module} (layer {layer_of(module)}) imports from above it: {upward}"


def test_the_import_graph_has_no_cycle() -> None:
    # Packages' own __init__ docstrings import nothing; a cycle is a path back to where it started.
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(module):], module]))
        if module in done:
            return
        for target in sorted(GRAPH[module]):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])


def test_the_checks_above_can_fail() -> None:
    assert layer_of("elearn.store.rooms") < layer_of("elearn.workshop.rules")
    assert "elearn.workshop.rules" not in GRAPH["elearn.store.rooms"]
    with pytest.raises(AssertionError, match="belongs to no layer"):
        layer_of("elearn.somewhere_new")


@pytest.mark.parametrize("package", sorted(m for m, p in MODULES.items() if p.name == "__init__.py"))
def test_every_package_says_what_lives_in_it(package: str) -> None:
    assert ast.get_docstring(ast.parse(MODULES[package].read_text(encoding="utf-8")))
