"""`python -m benchmarks.seed`: see the package's docstring."""

import sys

from benchmarks.seed.main import main

sys.exit(main())
