"""Pulumi's entry point: make the project importable, then declare the stack.

Pulumi runs this file with only `stacks/` on the path; the program imports `stacks.*`, so the
project root is added first. Nothing under functions/ is imported: the program only points at
the function artifacts.
"""

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from stacks.program import main  # noqa: E402

main()
