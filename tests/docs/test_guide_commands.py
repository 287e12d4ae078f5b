"""Every command the guide marks runnable, in the order a participant meets them, in one fresh
folder with only `leda` on the PATH, exits 0. Commands that need AWS are marked so and not run
here; a page's other blocks (files to edit, output) are not commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.guide import Block, blocks, nav_order

pytestmark = [pytest.mark.slow, pytest.mark.emulator]


def runnable_in_order() -> list[Block]:
    order = {page: place for place, page in enumerate(nav_order())}
    marked = [b for b in blocks("en") if b.runnable]
    return sorted(marked, key=lambda b: order[b.page])  # sorted() keeps a page's own order


def test_the_guide_marks_commands_of_its_own():
    marked = runnable_in_order()
    assert {b.page for b in marked} >= {"setup.md", "lab1.md", "lab3.md", "instructors.md"}
    assert all(b.lang == "sh" for b in marked)
    assert any(b.needs_aws for b in blocks("en")), "AWS commands are marked, not unmarked"


@pytest.mark.timeout(900)  # a few games in a row, each under its own 400 s
def test_every_runnable_command_exits_0(tmp_path: Path):
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "COLUMNS": "100",
    }
    for block in runnable_in_order():
        for command in block.commands():
            result = subprocess.run(
                ["bash", "-c", command],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=400,
                check=False,
            )
            assert result.returncode == 0, (
                f"{block.page}: {command}\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}"
            )
