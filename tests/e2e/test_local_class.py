"""An offline class: three participants in different stages on one local cloud, lab 2 on, ranked
by the scoreboard as their stages predict: the workshop's lab-2 answer above lab 1's code, which
lab 2 breaks, above the stack as handed out, which scores nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.emulator]
LEDA = [str(Path(sys.executable).parent / "leda")]


def test_three_stages_rank_as_they_should():
    result = subprocess.run(
        [
            *LEDA,
            "local",
            "class",
            "--participants",
            "3",
            "--stages",
            "broken,wired,fault-tolerant",
            "--lab2",
            "--bursts",
            "3",
            "--burst-size",
            "600",
            "--interval",
            "14",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    played = {p["participant"]: p for p in json.loads(result.stdout)["participants"]}
    assert {name: p["stage"] for name, p in played.items()} == {
        "class-1": "broken",
        "class-2": "wired",
        "class-3": "fault-tolerant",
    }
    broken, wired, exact = (played[f"class-{n}"] for n in (1, 2, 3))
    assert all(len(p["bursts"]) == 3 for p in played.values())
    assert all(burst["correct"] for burst in exact["bursts"])
    assert not all(burst["correct"] for burst in wired["bursts"])
    assert not any(burst["correct"] for burst in broken["bursts"])
    assert exact["score"] > wired["score"] > broken["score"] or (
        exact["score"] > wired["score"] == broken["score"]
    )
