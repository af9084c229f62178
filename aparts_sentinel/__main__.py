"""``python -m aparts_sentinel``: the console script without the script (e.g. from a checkout)."""
import sys

from aparts_sentinel.cli import main

sys.exit(main())
