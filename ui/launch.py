"""``python -m ui.launch SCRIPT [streamlit run options]``: ``streamlit run``, with the server's
connections set up as the app needs before it binds its socket.

Today that is one thing: TCP_NODELAY on every accepted connection (``ui.nodelay``), which must
be in place before Streamlit binds, so before any script of ours is imported. ``make run``, the
Dockerfile, the tests' servers and the benchmarks all start through here (``python serve.py``
is the same for the app). ``--nagle`` leaves Streamlit's own socket as it ships, for the
benchmarks' comparison.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str]) -> None:
    """Run ``streamlit run`` on ``argv`` (a script, then Streamlit's own options) in this process."""
    args = list(argv)
    if "--nagle" in args:
        args.remove("--nagle")
    else:
        from ui import nodelay

        nodelay.install()
    from streamlit.web import cli

    cli.main(["run", *args], prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
