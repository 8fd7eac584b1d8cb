"""``python -m fordra.cli``: the same as the ``fordra`` command."""

import sys

from fordra.cli import main

sys.exit(main())
