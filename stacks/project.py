"""Where the project is: the one place every part of Leda finds its root.

Here, at the bottom of the layers, so that the Pulumi program, the `leda` CLI and the tests all
ask the same question the same way (`stacks/__main__.py` alone works it out for itself, because
it runs before `stacks` can be imported).
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
TOOLS_DIR = PROJECT_ROOT / ".tools"
# The lab workspace as handed out (`leda lab start` copies it) and its answers.
HANDOUT = PROJECT_ROOT / "labs" / "handout"
SOLUTION = PROJECT_ROOT / "labs" / "solution"
