"""An offline class: N participants' deployments side by side on one local cloud, each with
its own prefix and stage, playing the workshop's game at once, and a scoreboard over them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from typing import Any

from leda.classroom.scoreboard import NotStarted, Reading
from leda.cloud.local_cloud import LocalCloud
from leda.deployment.deployment import Deployment, DeploymentOptions
from leda.workshop.run import BurstSummary, WorkshopOptions, WorkshopRun
from stacks.stage_model import Stage


class ClassError(ValueError):
    """A class that cannot be run as asked; the message says what is allowed."""


@dataclass(frozen=True)
class Seat:
    participant: str
    stage: str


def seats(count: int, stages: Sequence[str]) -> list[Seat]:
    """Participants class-1..N, given the stages in turn."""
    if count < 1:
        raise ClassError(f"--participants {count}: allowed: at least 1")
    if not stages:
        raise ClassError("--stages is empty; allowed: a comma-separated list of stages")
    for stage in stages:
        try:
            Stage.parse(stage)
        except ValueError as error:
            raise ClassError(str(error)) from None
        if stage == Stage.LAB.value:
            raise ClassError("--stages lab: a class runs the stages, not a workspace")
    return [Seat(f"class-{n}", stages[(n - 1) % len(stages)]) for n in range(1, count + 1)]


@dataclass
class Played:
    seat: Seat
    bursts: list[BurstSummary] = field(default_factory=list)
    score: int = 0
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "participant": self.seat.participant,
            "stage": self.seat.stage,
            "score": self.score,
            "bursts": [asdict(burst) for burst in self.bursts],
            **({"error": self.error} if self.error else {}),
        }


class OfflineClass:
    """Runs every seat's game at once; a ScoreSource for the scoreboard meanwhile."""

    def __init__(
        self, cloud: LocalCloud, class_seats: Sequence[Seat], game: WorkshopOptions
    ) -> None:
        self._cloud = cloud
        self._seats = list(class_seats)
        self._game = game
        self._runs: dict[str, WorkshopRun] = {}
        self.played = {seat.participant: Played(seat) for seat in self._seats}

    # -- ScoreSource ------------------------------------------------------------------------------
    def participants(self) -> Sequence[str]:
        return [seat.participant for seat in self._seats]

    def read(self, participant: str) -> Reading:
        run = self._runs.get(participant)
        if run is None:
            error = self.played[participant].error
            if error:
                raise LookupError(error)
            raise NotStarted(participant)
        last = run.summaries[-1] if run.summaries else None
        result = None if last is None else ("correct" if last.correct else "wrong")
        lab = "lab 2" if self._game.lab2 else None  # started there, whatever the score
        return Reading(run.deployment.stage, int(run.score()), result, lab)

    # -- the game ---------------------------------------------------------------------------------
    def play(self, progress: Callable[[str], None] = lambda _: None) -> list[Played]:
        with ExitStack() as stack:
            for seat in self._seats:
                progress(f"starting {seat.participant} ({seat.stage})")
                try:
                    self._runs[seat.participant] = self._start(stack, seat)
                except Exception as error:  # their row says why; the class goes on
                    self.played[
                        seat.participant
                    ].error = f"could not start: {type(error).__name__}: {error}"
            threads = [
                threading.Thread(target=self._play_one, args=(seat,), name=seat.participant)
                for seat in self._seats
                if seat.participant in self._runs
            ]
            progress(f"{len(threads)} participants playing {self._game.bursts} bursts")
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for participant, run in self._runs.items():
                self.played[participant].score = int(run.score())
        return [self.played[seat.participant] for seat in self._seats]

    def _start(self, stack: ExitStack, seat: Seat) -> WorkshopRun:
        with ExitStack() as starting:  # a half-started participant is stopped at once
            deployment = starting.enter_context(
                Deployment(self._cloud, DeploymentOptions(seat.stage, participant=seat.participant))
            )
            run = starting.enter_context(WorkshopRun(deployment, self._game))
            stack.push(starting.pop_all())
        return run

    def _play_one(self, seat: Seat) -> None:
        played = self.played[seat.participant]
        try:
            played.bursts = self._runs[seat.participant].play()
        except Exception as error:  # one participant's failure is their row, not the class's
            played.error = f"{type(error).__name__}: {error}"
