"""`python -m backend_agent.cli`."""

import sys

from . import main

sys.exit(main())
