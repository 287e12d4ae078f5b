"""A participants' score source for the scoreboard's tests: scores a test changes, and
participants whose table a test makes unreadable."""

from __future__ import annotations

from leda.classroom.scoreboard import NotStarted, Reading


class FakeSource:
    def __init__(self) -> None:
        self.scores = {"alice": 100, "bob": 300, "carol": 0}
        self.broken: set[str] = set()
        self.starting: set[str] = set()

    def participants(self) -> list[str]:
        return list(self.scores)

    def read(self, participant: str) -> Reading:
        if participant in self.starting:
            raise NotStarted(participant)
        if participant in self.broken:
            raise PermissionError("AccessDeniedException: not authorized")
        return Reading("wired", self.scores[participant])
