"""``python -m elearn``: the command line (``main``: check, simulate, demo, db; ``admin``: accounts).

The top layer: it may import anything in ``elearn``; nothing in ``elearn`` imports it.
"""
