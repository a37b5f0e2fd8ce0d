"""``python -m elearn``: the course's command line (see ``elearn.cli``)."""

import sys

from elearn.cli.main import main

sys.exit(main())
