"""The served scoreboard as a participant's browser renders it: Debian's headless chromium runs
the page's own script, which must show every participant ranked, follow a change of score
within its refresh, and keep an unreadable participant's row saying why."""

from __future__ import annotations

import pytest

from leda.classroom.scoreboard import Scoreboard, serve
from leda.cloud.process import free_port
from tests.classroom.sources import FakeSource
from tests.support.browser import headless_chromium, screenshot, wait_for_rows

pytestmark = [pytest.mark.browser]


def test_the_page_ranks_everyone_and_follows_the_scores(tmp_path):
    source = FakeSource()
    board = Scoreboard(source)
    port = free_port()
    served = serve(board, port, every=0.2)
    try:
        with headless_chromium(tmp_path / "profile") as driver:
            driver.get(f"http://127.0.0.1:{port}/")
            first = wait_for_rows(
                driver,
                "#rows tr",
                lambda rows: len(rows) == 3,
                20,
                "the page never showed three rows",
            )
            assert [row[1] for row in first] == ["bob", "alice", "carol"]
            assert [row[3] for row in first] == ["300", "100", "0"]
            screenshot(driver, "scoreboard-before")

            source.broken.add("carol")  # first: a refresh between the two sees both or neither
            source.scores["alice"] = 400
            after = wait_for_rows(
                driver,
                "#rows tr",
                lambda rows: bool(rows) and rows[0][1] == "alice",
                20,
                "the page never put alice first after her score went up",
            )
            assert after[0][3:6] == ["400", "lab 2", "+300"]
            carol = next(row for row in after if row[1] == "carol")
            assert "cannot read the score: AccessDenied" in carol[4]
            screenshot(driver, "scoreboard-after")
    finally:
        served.close()
