#!/usr/bin/env python3
"""Captures, from real runs, the failures the guide shows before each fix (docs/captured/).

Each capture starts a new workspace from the handout, brings it to the state the page
describes, and keeps what `leda lab check` prints, with the command on the first line. Run it
again whenever a check's wording changes; tests/docs/test_guide_pages.py checks the captures
still say what the checks say (tests/e2e/test_lab_check.py asserts the same words live).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEDA = str(ROOT / ".venv" / "bin" / "leda")
CAPTURED = ROOT / "docs" / "captured"

# lab1-step3 before its fix: the trigger and the concurrency, not yet the policy.
TRIGGER_ONLY = (
    ("ReduceLambdaReservedConcurrency: null", "ReduceLambdaReservedConcurrency: 1"),
    (
        "ReduceLambdaTrigger: null",
        "ReduceLambdaTrigger:\n  source: ReduceTable\n  batchSize: 1000\n"
        "  startingPosition: TRIM_HORIZON",
    ),
)

CAPTURES = {
    "lab1-step1-before": ((), (), "lab1-step1"),
    "lab1-step3-before": (("lab1-step1",), TRIGGER_ONLY, "lab1-step3"),
    "lab2-step1-before": (("lab1-step1", "lab1-step3"), (), "lab2-step1"),
    "lab2-step2-before": (("lab1-step1", "lab1-step3", "lab2-step1"), (), "lab2-step2"),
}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def capture(
    name: str, answered: tuple[str, ...], edits: tuple[tuple[str, str], ...], step: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        run([LEDA, "lab", "start", "lab"], here).check_returncode()
        for answer in answered:
            run([LEDA, "lab", "solution", answer, "-w", "lab", "--apply"], here).check_returncode()
        settings = here / "lab" / "lab.yaml"
        for old, new in edits:
            text = settings.read_text()
            if old not in text:
                sys.exit(f"{name}: the handout no longer has {old!r}")
            settings.write_text(text.replace(old, new))
        command = ["leda", "lab", "check", step, "-w", "lab"]
        print(f"capturing {name}: {' '.join(command)}", file=sys.stderr)
        result = run([LEDA, *command[1:]], here)
        if result.returncode != 1:  # 0: it passed; anything else: it crashed
            sys.exit(f"{name}: exit code {result.returncode}, not a failing check\n{result.stderr}")
        CAPTURED.mkdir(parents=True, exist_ok=True)
        (CAPTURED / f"{name}.txt").write_text(f"$ {' '.join(command)}\n{result.stdout}")


def main() -> None:
    for name, (answered, edits, step) in CAPTURES.items():
        capture(name, answered, edits, step)


if __name__ == "__main__":
    main()
