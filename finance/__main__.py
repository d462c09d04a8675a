"""Entry point for ``python -m finance``."""

import sys

from finance.cli import main

sys.exit(main())
