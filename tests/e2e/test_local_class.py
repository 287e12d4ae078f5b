"""An offline class: three participants in different stages on one local cloud, lab 2 on, ranked
by the scoreboard as their stages predict: the workshop's lab-2 answer above lab 1's code, which
lab 2 breaks, above the stack as handed out, which scores nothing. While it plays, its served
scoreboard is open in headless chromium, which must show every participant and a score that
rises after a burst (screenshots under build/test-artifacts)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from leda.cloud.process import free_port
from tests.support.browser import Rows, headless_chromium, screenshot, wait_for_rows
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timed, pytest.mark.emulator, pytest.mark.browser]
LEDA = [str(Path(sys.executable).parent / "leda")]


def watch_the_board(port: int, profile: Path, playing: subprocess.Popen[str]) -> None:
    """Open the page once it is served; wait for three rows, then for a score to rise."""
    import urllib.request

    def served() -> bool:
        if playing.poll() is not None:
            raise AssertionError("the class ended before its scoreboard was served")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return True
        except OSError:
            return False

    wait_for(served, 120, "the scoreboard was never served")
    with headless_chromium(profile) as driver:
        driver.get(f"http://127.0.0.1:{port}/")
        first = wait_for_rows(
            driver,
            "#rows tr",
            lambda rows: len(rows) == 3,
            30,
            "the page never showed three participants",
        )
        assert sorted(row[1] for row in first) == ["class-1", "class-2", "class-3"]
        screenshot(driver, "local-class-start")
        # "-" while a participant's table cannot be read yet (their stack still starting)
        scores = {row[1]: int(row[3]) if row[3].isdigit() else 0 for row in first}
        readable = [row for row in first if row[3].isdigit()]
        assert all(row[4] == "lab 2" for row in readable), readable  # the game starts there

        def risen(rows: Rows) -> bool:
            now = {row[1]: int(row[3]) for row in rows if row[3].isdigit()}
            return any(now.get(name, 0) > was for name, was in scores.items())

        wait_for_rows(driver, "#rows tr", risen, 120, "no score rose on the page after a burst")
        screenshot(driver, "local-class-after-a-burst")


@pytest.mark.timeout(600)
def test_three_stages_rank_as_they_should(tmp_path):
    port = free_port()
    progress = tmp_path / "progress.log"  # a file, so that nothing blocks on a full pipe
    with (
        progress.open("w") as progress_out,
        subprocess.Popen(
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
                "2",
                "--burst-size",
                "600",
                # The generator checks after half the interval: 15 s leaves room for a burst's
                # 10-12 s with three participants sharing two cores (at 14 s none scored).
                "--interval",
                "30",
                "--serve",
                str(port),
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=progress_out,
            text=True,
        ) as playing,
    ):
        try:
            watch_the_board(port, tmp_path / "profile", playing)
            stdout, _ = playing.communicate(timeout=400)
        finally:
            if playing.poll() is None:
                playing.kill()
    assert playing.returncode == 0, progress.read_text()[-2000:]
    result = json.loads(stdout)
    played = {p["participant"]: p for p in result["participants"]}
    assert {name: p["stage"] for name, p in played.items()} == {
        "class-1": "broken",
        "class-2": "wired",
        "class-3": "fault-tolerant",
    }
    broken, wired, exact = (played[f"class-{n}"] for n in (1, 2, 3))
    assert all(len(p["bursts"]) == 2 for p in played.values())
    assert all(burst["correct"] for burst in exact["bursts"])
    assert not all(burst["correct"] for burst in wired["bursts"])
    assert not any(burst["correct"] for burst in broken["bursts"])
    assert exact["score"] > wired["score"] > broken["score"] or (
        exact["score"] > wired["score"] == broken["score"]
    )


@pytest.mark.timeout(300)
def test_the_board_is_drawn_while_the_class_plays_and_ends_as_the_final_board(tmp_path):
    """Off a terminal (a log) the final board is printed once; it was watched while the class
    played, so it knows how long ago a participant last scored."""
    done = subprocess.run(
        [
            *LEDA,
            "local",
            "class",
            "--participants",
            "2",
            "--stages",
            "wired,broken",
            "--bursts",
            "1",
            "--burst-size",
            "200",
            "--interval",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=280,
        env={k: v for k, v in os.environ.items() if k != "COLUMNS"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("Leda scoreboard") == 1, done.stdout
    rows = {line.split()[2]: line for line in done.stdout.splitlines() if "class-" in line}
    assert re.search(r"wired\s+│\s+100\s+│.*│\s+correct\s+│\s+\d+ s\s*$", rows["class-1"]), rows
    assert re.search(r"broken\s+│\s+0\s+│.*│\s+wrong\s+│\s+-\s*$", rows["class-2"]), rows
