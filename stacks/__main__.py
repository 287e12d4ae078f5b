"""Pulumi's entry point: make the project importable, then declare the stack.

Pulumi runs this file with only `stacks/` on the path; the program imports `stacks.*` and the
stage enum the functions themselves read (`functions/pipeline/stage.py`), so the project root
and the Lambda code root are added first.
"""

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT / "functions", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from stacks.program import main  # noqa: E402

main()
