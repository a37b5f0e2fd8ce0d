"""The pure core of the course: content model, checker, scenario engine, store and analytics.

Nothing in this package imports streamlit (a test enforces it), so every rule here can be
used from the command line, the tests and the benchmarks exactly as the app uses it.
"""
