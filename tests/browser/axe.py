"""axe-core in a real page: run it, keep the WCAG 2.2 A/AA findings, and judge them.

axe-core comes from the PyPI package ``axe-playwright-python`` (pinned in requirements-dev.txt),
which ships ``axe.min.js`` inside the wheel: nothing is fetched at test time. We inject that
script into the page ourselves and call ``axe.run`` with the WCAG tags only.

A violation fails a scan when its impact is critical or serious, unless ``EXCEPTIONS`` (the one
list of them; docs/accessibility.md explains each) names its rule and the element it is on.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axe_playwright_python.base import AXE_SCRIPT

from tests.conftest import REPO

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = {"critical", "serious"}
REPORTS = REPO / "test-artifacts" / "axe"


@dataclass(frozen=True)
class Exception_:
    """A violation we accept: axe ``rule`` on elements matching ``target`` (a substring of axe's
    CSS selector for the element), because of the Streamlit limitation in ``why``."""

    rule: str
    target: str
    why: str


# Every entry needs a matching row in docs/accessibility.md ("Exceptions in the automated scan").
EXCEPTIONS: tuple[Exception_, ...] = ()


@dataclass(frozen=True)
class Finding:
    state: str
    rule: str
    impact: str
    target: str
    summary: str

    def line(self) -> str:
        return f"{self.state}: {self.rule} ({self.impact}) on {self.target}: {self.summary}"


def settle(page: Any, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit has finished its run and nothing on screen is stale (greyed out)."""
    page.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=stApp]');"
        " return app && app.dataset.testScriptState === 'notRunning'"
        " && !document.querySelector('[data-stale=true]'); }", timeout=timeout_ms)
    page.wait_for_timeout(300)  # let charts and late deltas paint


def scan(page: Any, state: str) -> list[Finding]:
    """Every WCAG A/AA violation axe finds on ``page`` now, one finding per element, saved as JSON."""
    settle(page)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{state}.json").write_text(json.dumps(result["violations"], indent=1))
    return [Finding(state, violation["id"], violation["impact"] or "minor", " ".join(map(str, node["target"])),
                    node.get("failureSummary", "").replace("\n", " ")[:300])
            for violation in result["violations"] for node in violation["nodes"]]


def excused(finding: Finding) -> bool:
    return any(e.rule == finding.rule and e.target in finding.target for e in EXCEPTIONS)


def failures(findings: list[Finding]) -> list[Finding]:
    """The findings that fail the build: critical or serious, and not a documented exception."""
    return [f for f in findings if f.impact in FAILING_IMPACTS and not excused(f)]


def tally(findings: list[Finding]) -> Counter[tuple[str, str]]:
    """(rule, impact) -> how many elements, over all states."""
    return Counter((f.rule, f.impact) for f in findings)


def write_tally(findings: list[Finding], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{rule}\t{impact}\t{count}" for (rule, impact), count in sorted(tally(findings).items())]
    states = Counter(f.state for f in findings)
    lines += [f"# {state}\t{count}" for state, count in sorted(states.items())]
    path.write_text("\n".join(lines) + "\n")
