"""Accessibility helpers every screen shares: focus styles, a skip link, focus after navigation and
after an answer, polite announcements, the sidebar's list semantics, and charts with text.

Streamlit draws the page in React and gives a script no handle on focus, the live regions or the
DOM. What it cannot do itself is done here in a little JavaScript, kept to these rules:

- it runs in the page (``st.html(..., unsafe_allow_javascript=True)``), never fetches anything,
  and never holds a "<" followed by a letter, "/" or "!" (Streamlit's sanitiser, DOMPurify, then
  drops the whole script without a word; tests/test_a11y_helpers.py checks); text from a run
  reaches it only as a JavaScript string literal (``_js``: JSON with "<" written as \\u003c);
- the frame's script installs itself once per browser tab (``window.__elearnA11y``) and only
  adds attributes or elements of its own; it never moves or removes Streamlit's elements;
- a request made by one run (focus this, announce that) is a small script of its own, which
  waits for its target to be drawn (and not stale) before it acts, and gives up after 10 s.

What each piece is for, and the Streamlit limitation behind it, is in docs/accessibility.md.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Sequence
from itertools import count

import plotly.graph_objects as go
import streamlit as st

from elearn.learner.chart_text import ChartText
from ui.text import md_escape

HIDDEN = "elearn-a11y"
"""Key prefix of the containers that hold our scripts; CSS takes them out of the layout."""
_FOCUS = "_elearn_a11y_focus"
_ANNOUNCE = "_elearn_a11y_announce"
_nonces = count()

CSS = """<style>
/* Visible focus on everything that takes it: a 3 px blue ring with a white halo (WCAG 2.4.7, 2.4.13). */
a:focus-visible, button:focus-visible, summary:focus-visible, input:focus-visible, textarea:focus-visible,
[role="tab"]:focus-visible, [role="radio"]:focus-visible, [role="button"]:focus-visible,
[role="spinbutton"]:focus-visible, [role="combobox"]:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px !important; box-shadow: 0 0 0 5px #ffffff !important;
}
/* What we move focus to (a heading, the feedback) shows it too, though a script focused it. */
[data-elearn-focus]:focus { outline: 3px solid #1d4ed8 !important; outline-offset: 4px !important; }
/* Captions: Streamlit fades them to 60% opacity, which takes a link in one down to 2.9:1. A solid
   grey instead (7.6:1 on white, 6.9:1 on the grey panels), and links the theme's blue, underlined. */
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #4b5563 !important; }
[data-testid="stMarkdownContainer"] a, [data-testid="stCaptionContainer"] a { color: #1d4ed8 !important;
  text-decoration: underline !important; }
/* Targets of at least 24 x 24 px (WCAG 2.5.8): the date fields' day, month and year parts. */
[role="spinbutton"] { display: inline-block; min-width: 24px; min-height: 24px; line-height: 24px;
  text-align: center; }
/* Our script holders: out of the layout but drawn (Streamlit does not mount an st.html of no width). */
[class*="st-key-elearn-a11y"] { position: absolute !important; width: 1px !important; height: 1px !important;
  overflow: hidden !important; clip-path: inset(50%) !important; margin: 0 !important; padding: 0 !important; }
.elearn-skip { position: fixed; left: 8px; top: -80px; z-index: 1000001; padding: 10px 16px; border-radius: 6px;
  background: #1d4ed8; color: #ffffff !important; font-weight: 600; text-decoration: none; }
.elearn-skip:focus { top: 8px; }
.elearn-sr-only { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
/* The anger meter (anger_meter_html): a bar whose fill also carries a pattern per mood. */
.elearn-anger-words { margin: 0 0 4px 0; }
.elearn-anger-inline { display: flex; align-items: center; gap: 12px; }
.elearn-anger-inline .elearn-anger-words { margin: 0; white-space: nowrap; }
.elearn-anger-inline .elearn-anger-track { flex: 1; }
.elearn-anger-track { height: 14px; border: 1px solid #374151; border-radius: 7px; background: #ffffff;
  overflow: hidden; }
.elearn-anger-fill { height: 100%; }
.elearn-anger-calm { background: #15803d; }
.elearn-anger-irritated { background: repeating-linear-gradient(90deg, #a16207 0 10px, #854d0e 10px 12px); }
.elearn-anger-angry { background: repeating-linear-gradient(45deg, #c2410c 0 6px, #7c2d12 6px 9px); }
.elearn-anger-furious { background: repeating-linear-gradient(45deg, #b91c1c 0 4px, #450a0a 4px 8px); }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation-duration: 0.01ms !important; animation-iteration-count: 1 !important;
    transition-duration: 0.01ms !important; scroll-behavior: auto !important; }
}
</style>"""

# Installed once per tab. history.pushState is how Streamlit changes page: a new path is a new page,
# so focus goes to its heading once it is drawn (a rerun on the same page leaves focus alone).
FRAME_SCRIPT = """<script>(() => {
if (window.__elearnA11y) return;
window.__elearnA11y = true;
const doc = document;
const live = doc.createElement('div');
live.id = 'elearn-live'; live.className = 'elearn-sr-only';
live.setAttribute('aria-live', 'polite'); live.setAttribute('role', 'status');
doc.body.appendChild(live);
const skip = doc.createElement('a');
skip.className = 'elearn-skip'; skip.href = '#elearn-main'; skip.textContent = 'Skip to main content';
doc.body.prepend(skip);
const fresh = (el) => el && !el.closest('[data-stale="true"]');
const idle = () => doc.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning';
const focus = (el) => { if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.setAttribute('data-elearn-focus', ''); el.focus(); };
const heading = () => [...doc.querySelectorAll('[data-testid="stMain"] h1')].find(fresh);
const toMain = () => { const target = heading() || doc.querySelector('[data-testid="stMain"]');
  if (target) focus(target); };
skip.addEventListener('click', (event) => { event.preventDefault(); toMain(); });
const patch = () => {
  const main = doc.querySelector('[data-testid="stMain"]');
  if (main && main.id !== 'elearn-main') main.id = 'elearn-main';
  // Streamlit's page list puts each section's div (its header and links) straight in the ul.
  // The ul becomes a plain container and each section a list named by its header.
  doc.querySelectorAll('[data-testid="stSidebarNavItems"]').forEach((list) => {
    const sections = [...list.children].filter((child) => child.tagName === 'DIV');
    if (!sections.length) return;
    if (list.getAttribute('role') !== 'none') list.setAttribute('role', 'none');
    sections.forEach((section) => {
      const header = section.querySelector('header');
      if (section.getAttribute('role') !== 'list') section.setAttribute('role', 'list');
      if (header && header.getAttribute('role') !== 'none') header.setAttribute('role', 'none');
      const name = header ? header.textContent.replace('expand_more', '').replace('expand_less', '').trim() : '';
      if (name && section.getAttribute('aria-label') !== name) section.setAttribute('aria-label', name);
    });
  });
};
new MutationObserver(patch).observe(doc.body, {childList: true, subtree: true});
patch();
let path = location.pathname;
const moved = () => {
  if (location.pathname === path) return;
  path = location.pathname;
  const deadline = Date.now() + 10000;
  const wait = () => { const target = idle() && heading();
    if (target) focus(target); else if (Date.now() < deadline) setTimeout(wait, 100); };
  setTimeout(wait, 100);
};
for (const name of ['pushState', 'replaceState']) {
  const original = history[name];
  history[name] = function (...args) { const result = original.apply(this, args); moved(); return result; };
}
window.addEventListener('popstate', moved);
})();</script>"""


def frame() -> None:
    """Once per run, before the page: the styles, the frame's script, and any focus or announcement
    that the previous run asked for (``focus_next_run``, ``announce_next_run``)."""
    st.html(CSS)  # only a <style>: Streamlit keeps it out of the layout
    target = st.session_state.pop(_FOCUS, None)
    message = st.session_state.pop(_ANNOUNCE, None)
    # The same two elements on every run, so the page's own elements keep their places (a new
    # element above them would make React draw them anew, and whatever had focus would lose it).
    with st.container(key=f"{HIDDEN}-frame"):
        st.html(FRAME_SCRIPT, unsafe_allow_javascript=True)
        st.html(_request_script(target, message) if target or message else "<span hidden></span>",
                unsafe_allow_javascript=True)


def move_focus(selector: str | None, message: str | None = None) -> None:
    """In this run: focus the first element matching ``selector`` once it is drawn, and/or say
    ``message`` in the polite live region. For an action whose result this same run draws."""
    with st.container(key=f"{HIDDEN}-request-{next(_nonces)}"):
        st.html(_request_script(selector, message), unsafe_allow_javascript=True)


def requests_here() -> None:
    """For a fragment whose widgets ask for focus or an announcement (``focus_next_run``,
    ``announce_next_run``): carry them out in this run. A fragment's rerun runs no frame, so
    without this they would wait for the next full run and move focus long after the tap. In a
    full run the frame has already taken them, and this does nothing."""
    target = st.session_state.pop(_FOCUS, None)
    message = st.session_state.pop(_ANNOUNCE, None)
    if target or message:
        move_focus(target, message)


def focus_next_run(selector: str) -> None:
    """After the rerun this action triggers, move focus to the first element matching ``selector``
    (a CSS selector of our own, e.g. ``.st-key-feedback-3``) once it is drawn."""
    st.session_state[_FOCUS] = selector


def announce_next_run(message: str) -> None:
    """After the rerun, say ``message`` through the page's polite live region (screen readers read
    it when they are idle; nothing changes on screen)."""
    st.session_state[_ANNOUNCE] = message


def _js(value: str | None) -> str:
    """``value`` as a JavaScript literal that can neither end the script nor trip the sanitiser."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _request_script(selector: str | None, message: str | None) -> str:
    # The nonce makes each request a new script, so it runs even if the last one was the same.
    return (f"<script data-nonce=\"{next(_nonces)}\">(() => {{"
            f"const selector = {_js(selector)}, message = {_js(message)};"
            "const fresh = (el) => el && !el.closest('[data-stale=\"true\"]');"
            "const idle = () => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState"
            " === 'notRunning';"
            "const deadline = Date.now() + 10000;"
            "const act = () => {"
            " const target = selector && [...document.querySelectorAll(selector)].find(fresh);"
            " const live = document.getElementById('elearn-live');"
            " if (!idle() || (selector && !target) || (message && !live)) {"
            "  if (Date.now() < deadline) setTimeout(act, 100); return; }"
            " if (target) { if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');"
            "  target.setAttribute('data-elearn-focus', ''); target.focus(); }"
            " if (message) { live.textContent = ''; setTimeout(() => { live.textContent = message; }, 150); }"
            "};"
            "setTimeout(act, 50);"
            "})();</script>")


# --- charts with their text ----------------------------------------------------------------------

def chart(figure: go.Figure, text: ChartText, *, key: str | None = None, static: bool = False,
          projected: bool = False) -> None:
    """A plotly chart named by its summary, the summary shown under it, and its data as a table.

    The only way pages draw a chart (tests/test_chart_alternatives.py checks it): screen readers
    hear ``text.summary`` as the chart's name, everyone can read it, and the numbers behind the
    chart are one click away in a real table with headers. ``projected`` (the presenter's view,
    which must fit the screen) keeps the name and puts summary and table where only a screen
    reader finds them: the room reads the chart itself, its numbers are printed beside it.
    """
    config = {"displayModeBar": False, **({"staticPlot": True} if static else {})}
    st.plotly_chart(figure, config=config, key=key, alt=text.summary)
    if projected:
        # In a script holder's container (out of the layout, see CSS): not even a gap is added.
        with st.container(key=f"elearn-a11y-chart-{key or hashlib.sha256(text.title.encode()).hexdigest()[:10]}"):
            st.html(f"<p>{html.escape(text.summary)}</p>{table_html(text.title, text.columns, text.rows)}")
        return
    st.html(f'<p class="elearn-chart-summary">{html.escape(text.summary)}</p>')
    with st.expander(f"{md_escape(text.title)}: the data as a table"):
        st.html(table_html(text.title, text.columns, text.rows))


def table_html(caption: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain HTML table with a caption and column headers, every cell escaped."""
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return (f'<table class="elearn-data"><caption>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
