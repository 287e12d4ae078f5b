"""Exactly-once across a redrive: an outage longer than hardened's bounded retries makes the
StateLambda trigger give batches up to its on-failure queue (at-most-once for them, until
someone acts); redriving that queue delivers exactly those records again, and the referee then
finds every aggregate exact, nothing lost and nothing counted twice. A second redrive finds
nothing to do."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from leda.cloud.local_cloud import LocalCloud
from leda.deployment.deployment import Deployment, DeploymentOptions
from leda.faults.plan import FaultPlan
from leda.redrive.local import deployment_invoker, deployment_sources
from leda.redrive.redrive import Outcome, redrive
from leda.workshop.run import Standing, WorkshopOptions, WorkshopRun

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

# Long enough for the first records of each shard to spend their 10 retries (bisected down to
# one record, about 8 s each with the backoff): those are given up; the rest wait it out.
OUTAGE_SECONDS = 25
# After the outage, a record still being retried succeeds within a second; then the pipeline
# drains.
AFTER_OUTAGE_SECONDS = 15
GAME = WorkshopOptions(bursts=1, burst_size=400, interval=14)


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as fresh:
        yield fresh


def _visible(cloud: LocalCloud, url: str) -> int:
    attributes = cloud.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def _settled(run: WorkshopRun, seconds: float = 60.0) -> Standing:
    deadline = time.time() + seconds
    standing = run.standing()
    while not standing.exact and time.time() < deadline:
        time.sleep(1.0)
        standing = run.standing()
    return standing


def test_a_batch_given_up_in_an_outage_is_redriven_exactly_once(cloud):
    faults = FaultPlan.parse([f"state-write-outage={OUTAGE_SECONDS}"])
    options = DeploymentOptions("hardened", participant="redrive", faults=faults)
    started = time.time()  # the outage is counted from the deployment's start, a little later
    with Deployment(cloud, options) as deployment, WorkshopRun(deployment, GAME) as run:
        bursts = run.play()
        time.sleep(max(0.0, started + OUTAGE_SECONDS + AFTER_OUTAGE_SECONDS - time.time()))
        queue = deployment.queue_url(deployment.output("triggerFailureQueueName"))
        assert queue
        given_up = _visible(cloud, queue)
        assert given_up > 0, "the outage should outlast StateLambda's 10 retries"
        before = _settled(run, seconds=5.0)
        assert before.lost > 0 and not bursts[0].correct  # at-most-once until redriven
        assert before.duplicated == 0

        sqs = cloud.client("sqs")
        sources = deployment_sources(deployment)
        invoke = deployment_invoker(deployment)
        looked = redrive(sqs, queue, sources, invoke, dry_run=True)
        assert [r.outcome for r in looked] == [Outcome.WOULD_DELIVER] * given_up
        assert _visible(cloud, queue) == given_up  # a dry run takes nothing

        done = redrive(sqs, queue, sources, invoke)
        assert [r.outcome for r in done] == [Outcome.DELIVERED] * given_up, done
        assert sum(r.records for r in done) == sum(r.records for r in looked) > 0
        assert _visible(cloud, queue) == 0

        after = _settled(run)
        assert after.exact, after
        assert redrive(sqs, queue, sources, invoke) == []  # nothing left, nothing twice
        assert _settled(run, seconds=3.0).exact
