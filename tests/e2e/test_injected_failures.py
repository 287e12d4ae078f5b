"""Each failure `leda local up --inject` provokes breaks the workshop's lab-2 answer
(fault-tolerant) the way the workshop leaves open, and leaves hardened exact.

Both stages run side by side on one local cloud under the same failure; the referee counts
every message read back from the stream against the aggregates, and each failure's own
evidence is counted too (a stalled shard's lost trades, the generator's unsent messages,
batches added twice, the dead-letter queue's records).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from leda.cloud.local_cloud import LocalCloud
from leda.deployment.deployment import Deployment, DeploymentOptions
from leda.faults.plan import FaultPlan
from leda.workshop.run import BurstSummary, WorkshopOptions, WorkshopRun

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

GAME = WorkshopOptions(bursts=2, burst_size=400, interval=12)


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    """A cloud per failure: each pair of deployments starts on emulators nobody else used."""
    with LocalCloud() as fresh:
        yield fresh


def _play(deployment: Deployment, into: dict[str, Any]) -> None:
    try:
        with WorkshopRun(deployment, GAME) as run:
            into["bursts"] = run.play()
    except BaseException as error:  # reported by the test, not lost in the thread
        into["error"] = error


def _side_by_side(
    cloud: LocalCloud, inject: str, name: str, seed: int = 11
) -> tuple[list[BurstSummary], list[BurstSummary], Deployment, Deployment]:
    faults = FaultPlan.parse([inject])
    results: dict[str, dict[str, Any]] = {"fault-tolerant": {}, "hardened": {}}
    with (
        Deployment(
            cloud,
            DeploymentOptions(
                "fault-tolerant", participant=f"{name}-ft", faults=faults, fault_seed=seed
            ),
        ) as workshop,
        Deployment(
            cloud,
            DeploymentOptions("hardened", participant=f"{name}-hd", faults=faults, fault_seed=seed),
        ) as hardened,
    ):
        threads = [
            threading.Thread(target=_play, args=(deployment, results[deployment.stage]))
            for deployment in (workshop, hardened)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(400)
        for result in results.values():
            if "error" in result:
                raise result["error"]
        return (
            results["fault-tolerant"]["bursts"],
            results["hardened"]["bursts"],
            workshop,
            hardened,
        )


def _exact(bursts: list[BurstSummary]) -> None:
    """Exactly once in the end: the last burst's referee counts everything sent since the data
    began (a first burst still draining when judged, cold workers and all, is slow, not
    wrong), and no burst ever counted a message twice or lost one at the generator."""
    assert len(bursts) == GAME.bursts
    last = bursts[-1]
    assert last.correct and last.lost == 0, last
    for burst in bursts:
        assert (burst.duplicated, burst.lost_at_send) == (0, 0), burst
        if burst.correct:  # a correct burst's pipeline stopped when its aggregates were right
            assert burst.settled_seconds == burst.latency_seconds is not None, burst


def _drain(cloud: LocalCloud, url: str) -> list[dict[str, Any]]:
    sqs = cloud.client("sqs")
    bodies: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_a_malformed_record_stops_a_shard_of_the_workshops_answer(cloud):
    workshop, hardened, _, deployment = _side_by_side(cloud, "malformed-records=1", "mal")
    _exact(hardened)
    assert not all(burst.correct for burst in workshop)
    assert sum(burst.lost for burst in workshop) > 0  # the stalled shard's trades never arrive
    assert sum(burst.malformed_injected for burst in workshop) == GAME.bursts
    letters = _drain(cloud, deployment.queue_url(deployment.output("deadLetterQueueName")) or "")
    assert len(letters) == GAME.bursts  # each malformed record, with why
    assert all(letter["function"] == "StateLambda" and letter["reason"] for letter in letters)


def test_refused_puts_are_lost_by_the_workshops_generator(cloud):
    workshop, hardened, _, _ = _side_by_side(cloud, "refused-puts=10", "put")
    _exact(hardened)
    assert all(burst.lost_at_send > 0 for burst in workshop)
    assert all(not burst.correct and burst.generator_correct is False for burst in workshop)
    # never correct, yet how long each kept the pipeline busy is known
    assert all(burst.settled_seconds and burst.settled_seconds > 0 for burst in workshop)


def test_throttled_map_writes_lose_batches_in_the_workshops_answer(cloud):
    # Seed 3: MapLambda's first PutItem draw (0.07) is under one half, so the workshop's
    # answer loses its first batch whatever the timing (seed 11's first two draws are not,
    # and a run with two Map batches then lost nothing).
    workshop, hardened, _, _ = _side_by_side(cloud, "throttled-map-writes=50", "map", seed=3)
    _exact(hardened)
    assert not all(burst.correct for burst in workshop)
    assert sum(burst.lost for burst in workshop) > 0  # state changes never aggregated
    assert sum(burst.duplicated for burst in workshop) == 0


def test_a_late_reduce_replay_is_added_twice_by_the_workshops_answer(cloud):
    workshop, hardened, ft_deployment, hd_deployment = _side_by_side(
        cloud, "late-reduce-replay=50", "late"
    )
    _exact(hardened)
    assert hd_deployment.injected()["late_replays"] > 0
    assert ft_deployment.injected()["late_replays"] > 0
    assert not all(burst.correct for burst in workshop)
    assert sum(burst.duplicated for burst in workshop) > 0
