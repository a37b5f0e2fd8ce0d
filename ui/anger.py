"""The anger meter, drawn the same for a learner's scenario and the workshop's projector and phones.

A ``role="meter"`` element (Streamlit's ``st.progress`` is announced as a bare "progress 75%"):
screen readers hear "Customer's anger, meter, 75 of 100, angry, up 10". On screen the same words
sit above the bar, and each mood fills the bar with its own colour *and* pattern, so the level
never rests on colour alone (styles in ``ui.a11y.CSS``).
"""

from __future__ import annotations

import html

import streamlit as st

from elearn.play.engine import ScenarioRun


def anger_words(anger: int, mood: str, change: int) -> str:
    """The meter's value in words: "75 of 100, angry, up 10" (no change: "75 of 100, angry")."""
    moved = f", up {change:d}" if change > 0 else f", down {-change:d}" if change < 0 else ""
    return f"{anger:d} of 100, {mood}{moved}"


def anger_meter_html(anger: int, mood: str, change: int, *, inline: bool = False) -> str:
    words = html.escape(anger_words(anger, mood, change))
    width = max(0, min(100, anger))
    kind = "elearn-anger elearn-anger-inline" if inline else "elearn-anger"
    return (f'<div class="{kind}" role="meter" aria-label="Customer\'s anger" aria-valuemin="0" '
            f'aria-valuemax="100" aria-valuenow="{anger:d}" aria-valuetext="{words}">'
            f'<p class="elearn-anger-words" aria-hidden="true">Customer\'s anger <strong>{words}</strong></p>'
            f'<div class="elearn-anger-track" aria-hidden="true">'
            f'<div class="elearn-anger-fill elearn-anger-{html.escape(mood)}" style="width: {width:d}%"></div>'
            f"</div></div>")


def anger_meter(run: ScenarioRun, *, inline: bool = False) -> None:
    """The customer's anger now as a meter, in a word, and how far the last answer moved it.

    ``inline`` puts the words beside the bar instead of above it, for the projector, which must fit
    one screen."""
    st.html(anger_meter_html(run.anger, run.mood, run.last_change, inline=inline))
