"""Streamlit-only helpers: cached resources, session-state accessors and widgets.

Everything that needs streamlit lives here or in pages/; the rules live in elearn/.
"""
