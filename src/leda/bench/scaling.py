"""How the offline pipeline scales: bigger bursts, and more participants on one local cloud.

Each point is a fresh local cloud playing the workshop's game; it records the median seconds
from a burst's first record to correct aggregates, the median seconds until the pipeline stopped
moving on a burst, correct or not (a burst too big for the machine is never correct: messages
older than the workshop's 60 seconds are skipped, so the first figure alone would say nothing),
and the machine's CPU seconds per message (every process on it: emulators, runtime, workers),
from /proc/stat over the whole game.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from leda.bench.cpu import MachineTicks
from leda.classroom.offline import OfflineClass, seats
from leda.cloud.local_cloud import CloudOptions, LocalCloud
from leda.workshop.run import WorkshopOptions

SIZES = (1_000, 10_000, 50_000)
PARTICIPANTS = (1, 3, 5)
BY_SIZE = "burst size"
BY_PARTICIPANTS = "participants"


@dataclass(frozen=True)
class ScalePoint:
    kind: str  # BY_SIZE or BY_PARTICIPANTS
    burst_size: int  # messages per participant per burst
    participants: int
    p50_seconds: float | None  # None: no burst became correct
    cpu_ms_per_message: float
    correct_bursts: int
    bursts: int
    steal_percent: float | None
    p50_settled_seconds: float | None = None  # None: the referee gave up waiting on every burst

    @property
    def label(self) -> str:
        if self.kind == BY_SIZE:
            return f"{self.burst_size:,} messages"
        return f"{self.participants} participant{'s' if self.participants > 1 else ''}"


def play_point(
    kind: str,
    stage: str,
    lab2: bool,
    burst_size: int,
    participants: int,
    bursts: int,
    interval: float,
) -> ScalePoint:
    game = WorkshopOptions(lab2=lab2, bursts=bursts, burst_size=burst_size, interval=interval)
    game.validate()
    with LocalCloud(CloudOptions()) as cloud:
        before = MachineTicks.now()
        played = OfflineClass(cloud, seats(participants, [stage]), game).play()
        after = MachineTicks.now()
    errors = [p.error for p in played if p.error]
    if errors:
        raise RuntimeError(f"a participant could not play: {errors[0]}")
    summaries = [burst for p in played for burst in p.bursts]
    latencies = [s.latency_seconds for s in summaries if s.latency_seconds is not None]
    settled = [s.settled_seconds for s in summaries if s.settled_seconds is not None]
    messages = sum(s.sent for s in summaries)
    return ScalePoint(
        kind=kind,
        burst_size=burst_size,
        participants=participants,
        p50_seconds=round(statistics.median(latencies), 2) if latencies else None,
        cpu_ms_per_message=round(1000 * after.busy_seconds_since(before) / max(messages, 1), 3),
        correct_bursts=sum(1 for s in summaries if s.correct),
        bursts=len(summaries),
        steal_percent=after.steal_percent_since(before),
        p50_settled_seconds=round(statistics.median(settled), 2) if settled else None,
    )


def run_scaling(
    stage: str,
    lab2: bool,
    sizes: Sequence[int] = SIZES,
    participants: Sequence[int] = PARTICIPANTS,
    participant_burst_size: int = 10_000,
    bursts: int = 2,
    interval: float = 40.0,
    progress: Callable[[str], None] = lambda _: None,
) -> list[ScalePoint]:
    for size in [*sizes, participant_burst_size]:  # every point's game, before any is played
        WorkshopOptions(lab2=lab2, bursts=bursts, burst_size=size, interval=interval).validate()
    points: list[ScalePoint] = []
    for size in sizes:
        progress(f"scaling: one participant, bursts of {size:,}")
        points.append(play_point(BY_SIZE, stage, lab2, size, 1, bursts, interval))
    for count in participants:
        progress(f"scaling: {count} participants, bursts of {participant_burst_size:,} each")
        points.append(
            play_point(
                BY_PARTICIPANTS, stage, lab2, participant_burst_size, count, bursts, interval
            )
        )
    return points


def plot(points: Sequence[ScalePoint], path: Path, title: str) -> None:
    """Two panels (burst size, participants): p50 seconds, and CPU ms per message."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, kind, x_label in (
        (axes[0], BY_SIZE, "messages per burst (one participant)"),
        (axes[1], BY_PARTICIPANTS, "participants on one local cloud"),
    ):
        chosen = [p for p in points if p.kind == kind]
        xs = [p.burst_size if kind == BY_SIZE else p.participants for p in chosen]
        axis.plot(
            xs,
            [p.p50_seconds if p.p50_seconds is not None else float("nan") for p in chosen],
            marker="o",
            color="tab:blue",
            label="p50 seconds to correct",
        )
        axis.plot(
            xs,
            [
                p.p50_settled_seconds if p.p50_settled_seconds is not None else float("nan")
                for p in chosen
            ],
            marker="x",
            linestyle=":",
            color="tab:blue",
            label="p50 seconds until the pipeline stopped (correct or not)",
        )
        axis.legend(loc="upper left", fontsize="small")
        for x, point in zip(xs, chosen, strict=True):
            if point.p50_seconds is None:  # a gap in the line says nothing by itself
                axis.annotate(
                    "no burst\ncorrect",
                    (x, 0.02),
                    xycoords=("data", "axes fraction"),
                    ha="center",
                    color="tab:red",
                )
        axis.set_xlabel(x_label)
        axis.set_ylabel("p50 seconds", color="tab:blue")
        if kind == BY_SIZE:
            axis.set_xscale("log")
        axis.set_xticks(xs, [f"{x:,}" for x in xs])
        cpu_axis = axis.twinx()
        cpu_axis.plot(
            xs,
            [p.cpu_ms_per_message for p in chosen],
            marker="s",
            linestyle="--",
            color="tab:orange",
        )
        cpu_axis.set_ylabel("CPU ms per message (whole machine)", color="tab:orange")
        # Both scales from zero: a few percent between points must not look like a slope.
        axis.set_ylim(bottom=0)
        cpu_axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
