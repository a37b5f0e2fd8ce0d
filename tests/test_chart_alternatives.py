"""Every chart has a text alternative next to it (issue 18).

Read with ``ast`` from the source of ``pages/``, ``ui/`` and ``app.py``: ``st.plotly_chart`` is
called in one place only, ``ui.a11y.chart``, which passes ``alt=`` (the chart's accessible name)
and draws the summary and the data table beside it; and every call of ``a11y.chart`` passes both
a figure and a ``ChartText`` built by one of the text builders.
"""

from __future__ import annotations

import ast
from pathlib import Path

from elearn.learner import chart_text, retention
from elearn.manage import team_chart_text
from elearn.workshop import vote_text

from .conftest import REPO

SCANNED = sorted([*(REPO / "pages").glob("*.py"), *(REPO / "ui").glob("*.py"), REPO / "app.py"])
TEXT_BUILDERS = {name for module in (chart_text, retention, team_chart_text, vote_text)
                 for name in dir(module)
                 if name.endswith("_text") and callable(getattr(module, name))}


def calls(path: Path, attribute: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == attribute]


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"


def test_plotly_chart_is_called_only_by_the_helper_that_adds_the_text() -> None:
    outside = [where(path, call) for path in SCANNED for call in calls(path, "plotly_chart")
               if path != REPO / "ui" / "a11y.py"]
    assert not outside, f"st.plotly_chart called directly (use ui.a11y.chart with a ChartText): {outside}"
    [inside] = calls(REPO / "ui" / "a11y.py", "plotly_chart")
    alt = next((keyword.value for keyword in inside.keywords if keyword.arg == "alt"), None)
    assert isinstance(alt, ast.Attribute), "ui.a11y.chart must pass alt=text.summary"
    assert alt.attr == "summary", "ui.a11y.chart must pass alt=text.summary"


def test_every_chart_is_given_a_text_alternative_built_for_it() -> None:
    charts = [(path, call) for path in SCANNED for call in calls(path, "chart")
              if isinstance(call.func.value, ast.Name) and call.func.value.id == "a11y"]
    assert len(charts) >= 9, f"expected every chart of the app, found {len(charts)}"
    problems = []
    for path, call in charts:
        if len(call.args) < 2:
            problems.append(f"{where(path, call)}: a11y.chart(figure, text) needs both")
            continue
        text = call.args[1]
        built = isinstance(text, ast.Call) and isinstance(text.func, ast.Name) and text.func.id in TEXT_BUILDERS
        if not built:
            problems.append(f"{where(path, call)}: the text is not built by one of {sorted(TEXT_BUILDERS)}")
    assert not problems, "\n".join(problems)
