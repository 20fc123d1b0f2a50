"""``python -m sim`` is the ``wargame`` command."""

import sys

from sim.cli import main

sys.exit(main())
