"""The console every command prints to.

Off a terminal (output to a file or a pipe, as `./scripts/workshop > run.log`) Rich lays tables
out in 80 columns, which cuts the resource names a table exists to show ("leda-de…"). A log
has no width to respect, so there the tables get LOG_WIDTH; COLUMNS, when set, still decides.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

LOG_WIDTH = 160


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    if os.environ.get("COLUMNS") or stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=LOG_WIDTH)
