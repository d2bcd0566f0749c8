"""``python -m ketaconsole`` runs the ``ketaconsole`` command."""

import sys

from ketaconsole.cli import main

sys.exit(main())
