"""An offline class's own logic, without a cloud: seats given the stages in turn, and a
participant whose stack fails to start is their row while the others play."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest

from leda.classroom.offline import ClassError, OfflineClass, Seat, seats
from leda.classroom.scoreboard import NotStarted
from leda.workshop.run import WorkshopOptions


def test_seats_take_the_stages_in_turn():
    assert seats(3, ["broken", "wired"]) == [
        Seat("class-1", "broken"),
        Seat("class-2", "wired"),
        Seat("class-3", "broken"),
    ]
    with pytest.raises(ClassError, match="a class runs the stages"):
        seats(1, ["lab"])


class _Run:
    def play(self) -> list[Any]:
        return []

    def score(self) -> int:
        return 100


class _OneFailsToStart(OfflineClass):
    def _start(self, stack: ExitStack, seat: Seat) -> Any:
        if seat.participant == "class-2":
            raise OSError("kinesalite refused the stream")
        return _Run()


def test_a_participant_that_cannot_start_is_their_row():
    rehearsal = _OneFailsToStart(None, seats(3, ["wired"]), WorkshopOptions())  # type: ignore[arg-type]
    played = {p.seat.participant: p for p in rehearsal.play()}
    assert played["class-2"].error == "could not start: OSError: kinesalite refused the stream"
    assert (played["class-1"].score, played["class-3"].score) == (100, 100)
    assert played["class-1"].error == "" and played["class-3"].error == ""


def test_a_participant_not_started_yet_reads_as_starting_and_one_that_failed_as_its_error():
    rehearsal = _OneFailsToStart(None, seats(2, ["wired"]), WorkshopOptions())  # type: ignore[arg-type]
    with pytest.raises(NotStarted):
        rehearsal.read("class-1")
    rehearsal.play()
    with pytest.raises(LookupError, match="kinesalite refused the stream") as raised:
        rehearsal.read("class-2")
    assert not isinstance(raised.value, NotStarted)
