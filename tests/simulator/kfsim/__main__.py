# Copyright: (c) 2026, keyfactor.command contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entry point for ``python -m kfsim``."""

import sys

from kfsim.cli import main

sys.exit(main())
