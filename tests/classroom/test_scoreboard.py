"""The scoreboard: ranking, what it remembers between reads (the last burst's gain, time since
the last point), a participant whose table cannot be read, and the served page's JSON."""

from __future__ import annotations

import json
import urllib.request

from leda.classroom.scoreboard import PAGE, Reading, Scoreboard, rank, serve
from leda.cloud.process import free_port
from tests.classroom.sources import FakeSource


def test_ranked_by_score_with_what_changed_since_the_last_read():
    times = iter([1000.0, 1030.0, 1045.0])
    source = FakeSource()
    board = Scoreboard(source, clock=lambda: next(times))
    first = board.refresh()
    assert [(r.participant, r.score, r.lab) for r in first] == [
        ("bob", 300, "lab 2"),
        ("alice", 100, "lab 1"),
        ("carol", 0, "lab 1"),
    ]
    assert {r.last_burst for r in first} == {"no point yet"}
    source.scores["alice"] = 400
    second = board.refresh()
    assert [r.participant for r in second] == ["alice", "bob", "carol"]
    assert (second[0].last_burst, second[0].since_last_point) == ("+300", 0.0)
    third = board.refresh()
    assert third[0].since_last_point == 15.0


def test_an_unreadable_table_keeps_its_row_and_the_board_goes_on():
    source = FakeSource()
    board = Scoreboard(source)
    board.refresh()
    source.broken.add("bob")
    rows = {r.participant: r for r in board.refresh()}
    assert rows["bob"].problem.startswith("cannot read the score: AccessDenied")
    assert rows["bob"].score == 300  # the last score seen
    assert rows["alice"].problem == "" and rows["alice"].score == 100


def test_a_participant_still_starting_is_a_row_without_a_problem():
    source = FakeSource()
    source.starting.add("carol")
    source.broken.add("bob")
    rows = {r.participant: r for r in Scoreboard(source).refresh()}
    assert (rows["carol"].score, rows["carol"].lab, rows["carol"].problem) == (
        None,
        "starting",
        "",
    )
    assert rows["bob"].problem.startswith("cannot read the score")  # an error stays one


def test_unread_rows_rank_last():
    source = FakeSource()
    source.broken.add("alice")
    ranked = rank(Scoreboard(source).refresh())
    assert ranked[-1].participant == "alice"


def test_the_page_and_its_json_are_served():
    source = FakeSource()
    board = Scoreboard(source)
    port = free_port()
    board.refresh()  # before the first request, whatever the refresher's timing
    served = serve(board, port, every=0.1)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as page:
            assert page.read().decode() == PAGE
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/scores.json") as answer:
            board_json = json.loads(answer.read())
        assert [row["participant"] for row in board_json["rows"]] == ["bob", "alice", "carol"]
    finally:
        served.close()


def test_a_source_that_knows_the_lab_says_it():
    class StartedInLab2(FakeSource):
        def read(self, participant: str) -> Reading:
            return Reading("wired", self.scores[participant], None, "lab 2")

    rows = {r.participant: r for r in Scoreboard(StartedInLab2()).refresh()}
    assert rows["carol"].lab == "lab 2"  # a score of 0, in lab 2 from the start
