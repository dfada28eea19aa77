"""``python -m unmask`` runs the command line."""

import sys

from unmask.cli import main

sys.exit(main())
