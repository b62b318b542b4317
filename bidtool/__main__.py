"""``python -m bidtool``: the bid tool's command line (see bidtool/cli.py)."""

import sys

from bidtool.cli import main

if __name__ == "__main__":
    sys.exit(main())
