"""elearn/ is the pure core: it never imports streamlit, directly or through its dependencies."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

CORE_MODULES = sorted(p for p in (REPO / "elearn").rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_core_module_does_not_import_streamlit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] == "streamlit"]


def test_importing_the_whole_core_loads_no_streamlit() -> None:
    names = [".".join(p.relative_to(REPO).with_suffix("").parts) for p in CORE_MODULES]
    names = [n.removesuffix(".__init__") for n in names if not n.endswith("__main__")]
    code = "import sys\n" + "".join(f"import {n}\n" for n in names) + "print('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
