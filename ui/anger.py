"""The anger meter, drawn the same for a learner's scenario and the workshop's projector and phones."""

from __future__ import annotations

import streamlit as st

from elearn.play.engine import ScenarioRun


def anger_meter(run: ScenarioRun) -> None:
    """The customer's anger now as a bar, in a word, and how far the last answer moved it."""
    moved = f" ({run.last_change:+d})" if run.last_change else ""
    st.progress(run.anger / 100, text=f"Customer's anger: **{run.anger:d}/100**, {run.mood}{moved}")
