"""`leda bench --plot`'s measurements end to end at a tiny size: a fresh local cloud per point,
every burst of every participant counted."""

from __future__ import annotations

import pytest

from leda.bench.scaling import BY_PARTICIPANTS, BY_SIZE, run_scaling

pytestmark = [pytest.mark.slow, pytest.mark.emulator]


def test_each_point_plays_its_bursts_and_measures_them():
    steps: list[str] = []
    points = run_scaling(
        "hardened",
        lab2=True,
        sizes=[80],
        participants=[2],
        participant_burst_size=40,
        bursts=1,
        interval=8,
        progress=steps.append,
    )
    assert [(p.kind, p.burst_size, p.participants) for p in points] == [
        (BY_SIZE, 80, 1),
        (BY_PARTICIPANTS, 40, 2),
    ]
    assert len(steps) == 2
    by_size, by_participants = points
    assert (by_size.bursts, by_participants.bursts) == (1, 2)  # one burst per participant
    for point in points:
        assert point.correct_bursts == point.bursts, point
        assert point.p50_seconds is not None and point.p50_seconds > 0
        # every burst correct: it stopped moving when its aggregates were right
        assert point.p50_settled_seconds == point.p50_seconds
        assert point.cpu_ms_per_message > 0
