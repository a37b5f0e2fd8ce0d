"""Driving a page with the keyboard alone (Tab, Shift+Tab, Enter, Space; typing into fields) and
asking where the focus is. Every wait has a deadline; nothing sleeps and hopes."""

from __future__ import annotations

import time
from typing import Any

TAB_LIMIT = 120
FOCUS_SECONDS = 20.0
MAIN_HEADING = "[data-testid='stMain'] h1"

_MATCHES = """([selector, text]) => { const e = document.activeElement;
  if (!e || e === document.body) return false;
  const hit = selector ? e.closest(selector) : e;
  if (!hit) return false;
  return !text || (e.innerText || e.getAttribute('aria-label') || '').includes(text); }"""
_DESCRIBE = """() => { const e = document.activeElement; if (!e || e === document.body) return '(nothing: body)';
  const key = [...(e.closest('[class*="st-key-"]')?.classList || [])].find(c => c.startsWith('st-key-')) || '';
  const words = (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 60);
  return `${e.tagName} "${words}" ${key}`; }"""


def focused(page: Any, selector: str | None = None, text: str | None = None) -> bool:
    """Whether the focused element is (or is inside) ``selector`` and its text includes ``text``."""
    return bool(page.evaluate(_MATCHES, [selector, text]))


def describe_focus(page: Any) -> str:
    return str(page.evaluate(_DESCRIBE))


def tab_to(page: Any, selector: str | None = None, text: str | None = None, *, back: bool = False) -> int:
    """Press Tab (Shift+Tab with ``back``) until the focus matches; the number of presses it took."""
    key = "Shift+Tab" if back else "Tab"
    seen = []
    for presses in range(1, TAB_LIMIT + 1):
        page.keyboard.press(key)
        if focused(page, selector, text):
            return presses
        seen.append(describe_focus(page))
    raise AssertionError(f"{TAB_LIMIT} presses of {key} never reached {selector or ''} {text or ''}; "
                         f"the focus went through: {seen[:40]}")


def wait_for_focus(page: Any, selector: str, what: str, text: str | None = None) -> None:
    """Wait until the app itself has moved focus to ``selector`` (after an answer, a navigation)."""
    deadline = time.monotonic() + FOCUS_SECONDS
    while not focused(page, selector, text):
        if time.monotonic() > deadline:
            raise AssertionError(f"focus never moved to {what} ({selector}); it is on {describe_focus(page)}")
        page.wait_for_timeout(100)


def live_region_text(page: Any) -> str:
    return str(page.evaluate("() => document.getElementById('elearn-live')?.textContent || ''"))


def cycle_without_trap(page: Any) -> int:
    """Tab forward from the skip link until focus comes back to it: every element on the way can be
    left with Tab (no keyboard trap, WCAG 2.1.2). The number of stops in one round."""
    tab_to(page, ".elearn-skip")
    for stops in range(1, TAB_LIMIT * 3 + 1):
        page.keyboard.press("Tab")
        if focused(page, ".elearn-skip"):
            return stops
    raise AssertionError(f"Tab never came back to the skip link; the focus is stuck on {describe_focus(page)}")
