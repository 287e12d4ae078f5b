"""The workshop's game on one deployment: the generator on its schedule, bursts, the referee.

The generator is the stack's own function, invoked with the scheduled event EventBridge sends
it; `interval` shortens its minute. After every burst the referee (referee.py) says whether the
aggregates equal the latest version of every trade sent, independently of the generator's own
check, which keeps the score.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from types import TracebackType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from leda.cloud.credentials import LOCAL_REGION
from leda.deployment.deployment import Deployment, DeploymentError
from leda.faults.records import malformed_entries
from leda.triggers.sources import DynamoDBStreamSource, KinesisSource
from leda.workers.spec import InvocationResult
from leda.workshop.referee import (
    AggregateReader,
    BurstTally,
    Referee,
    StateGaps,
    StreamReader,
)
from leda.workshop.tables import LAB2_PARAMETERS, SCORE, read_parameter, write_parameter

RECORDS_PER_CALL = 40  # the workshop's PutRecords size
WORKSHOP_CHECK_DELAY = 30.0
# Each look reads every shard of both streams and the aggregates, on the emulators the pipeline
# is using: twice a second keeps that small next to the pipeline's own reads (Kinesis pollers
# once a second per shard, the table stream's four times), at half a second of resolution.
REFEREE_POLL_SECONDS = 0.5
STALL_SECONDS = 5.0  # no state change and no aggregate for this long: the burst is over
RECOVERY_SECONDS = 120.0  # how long a read may fail while an emulator is started again


class WorkshopError(RuntimeError):
    """A game that cannot be played; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class WorkshopOptions:
    lab2: bool = False
    bursts: int = 3
    burst_size: int = 10_000
    interval: float | None = None  # seconds between bursts; None: the stack's schedule

    def validate(self) -> None:
        if self.bursts < 1:
            raise WorkshopError(f"--bursts must be at least 1, not {self.bursts}")
        if self.burst_size < 1 or (
            self.burst_size > RECORDS_PER_CALL and self.burst_size % RECORDS_PER_CALL
        ):
            raise WorkshopError(
                f"--burst-size {self.burst_size} is not allowed: use 1-{RECORDS_PER_CALL} or a "
                f"multiple of {RECORDS_PER_CALL} (bursts are PutRecords calls of "
                f"{RECORDS_PER_CALL})"
            )
        if self.interval is not None and self.interval <= 0:
            raise WorkshopError(f"--interval must be positive, not {self.interval}")

    @property
    def burst_shape(self) -> tuple[int, int]:
        """(PutRecords calls, records per call)."""
        per_call = min(RECORDS_PER_CALL, self.burst_size)
        return self.burst_size // per_call, per_call


@dataclass(frozen=True)
class Standing:
    """Everything sent since the data began, against the aggregates now."""

    mismatched: dict[str, Decimal]  # aggregate key -> how far off
    lost: int  # trades StateTable does not hold at their latest version, or never aggregated
    duplicated: int  # state changes aggregated more than once

    @property
    def exact(self) -> bool:
        return not self.mismatched and self.lost == 0 and self.duplicated == 0


@dataclass
class BurstSummary:
    burst: int
    sent: int
    # Counted over everything sent since the data began (a resumed run included), so a
    # backlog carried from one burst into the next is neither lost nor duplicated.
    aggregated: int  # state changes the aggregates counted (message_count)
    state_changes: int  # INSERTs and MODIFYs StateTable's stream recorded
    # Trades whose latest version StateTable lacks, changes never aggregated, and messages
    # the generator composed but never got onto the stream (lost_at_send).
    lost: int
    duplicated: int  # aggregated more often than they happened
    correct: bool  # the referee: aggregates equal the latest version of every trade sent
    generator_correct: bool | None  # the generator's own check (its score)
    score: int
    latency_seconds: float | None  # first record sent -> aggregates correct
    mismatched_keys: list[str] = field(default_factory=list)
    lost_at_send: int = 0  # refused by PutRecords and not sent again (the generator says)
    malformed_injected: int = 0  # records put on the stream by `--inject malformed-records`
    # First record sent -> the pipeline's last move on the burst: its aggregates correct, or
    # the last record delivered or aggregated before it stopped (how long a burst that is never
    # correct kept the pipeline busy); None when the referee gave up waiting.
    settled_seconds: float | None = None


class WorkshopRun:
    """`with WorkshopRun(deployment, options) as run: run.play()` — the game, stopped after."""

    def __init__(self, deployment: Deployment, options: WorkshopOptions) -> None:
        options.validate()
        generator = deployment.generator()
        if generator is None or not deployment.runs(generator.name):
            raise WorkshopError("bursts need the generator, and this deployment does not run it")
        self.deployment = deployment
        self.options = options
        self.summaries: list[BurstSummary] = []
        self.current_burst = 0
        self._generator = generator.name
        self._stop = threading.Event()
        self._dynamodb = deployment.cloud.client("dynamodb")
        self._parameter_table = deployment.output("parameterTableName")
        self._referee = self._new_referee()
        self._kinesis = deployment.cloud.client("kinesis")
        self._fault_rng = random.Random(deployment.options.fault_seed)
        self._malformed_injected = 0

    def __enter__(self) -> WorkshopRun:
        if self.options.lab2:
            for name, value in LAB2_PARAMETERS.items():
                write_parameter(self._dynamodb, self._parameter_table, name, value)
        calls, per_call = self.options.burst_shape
        self.deployment.configure(
            self._generator,
            {
                "BURST_CALLS": str(calls),
                "BURST_RECORDS_PER_CALL": str(per_call),
                "CHECK_DELAY_SECONDS": str(self.check_delay),
            },
        )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- public ----------------------------------------------------------------------------------
    @property
    def interval(self) -> float:
        if self.options.interval is not None:
            return self.options.interval
        return self.deployment.schedule_interval()

    @property
    def check_delay(self) -> float:
        """The generator checks after 30 s, as in the workshop, or half the interval if
        shorter, so that a check ends before the next burst starts."""
        return min(WORKSHOP_CHECK_DELAY, self.interval / 2)

    @property
    def messages_seen(self) -> int:
        """Messages the referee has read back from the Kinesis stream."""
        return self._referee.messages_read

    def stop(self) -> None:
        self._stop.set()

    def score(self) -> Decimal:
        try:
            return read_parameter(self._dynamodb, self._parameter_table, SCORE)
        except (BotoCoreError, ClientError):
            return Decimal(0)

    def state_gaps(self) -> StateGaps:
        """StateTable against the latest version of every trade read back from the stream."""
        self._referee.observe()
        return self._referee.state_gaps(self._dynamodb, self.deployment.output("stateTableName"))

    def standing(self) -> Standing:
        """The referee's count now, outside any burst (after a redrive, for one)."""
        referee = self._referee
        referee.observe()
        after = referee.aggregates.read()
        aggregated = referee.aggregated_count(after)
        changes = referee.state_changes
        stale = referee.lost_trades(self._dynamodb, self.deployment.output("stateTableName"))
        return Standing(
            mismatched=referee.differences(after),
            lost=stale + max(0, changes - aggregated),
            duplicated=max(0, aggregated - changes),
        )

    def aggregates(self) -> dict[str, Decimal]:
        """AggregateTable now (for the live view)."""
        return self._referee.aggregates.read()

    def play(
        self,
        on_burst: Callable[[BurstSummary], None] = lambda _: None,
        on_start: Callable[[int], None] = lambda _: None,
        on_judged: Callable[[int], None] = lambda _: None,
    ) -> list[BurstSummary]:
        """`bursts` bursts, one per interval; each is refereed before the next is summed up.
        `on_start(n)` is called just before burst n is sent, `on_judged(n)` as soon as its
        aggregates are found correct (or final and wrong), before the referee's closing reads
        (the benchmark splits its CPU window there: what is on the latency's path and what
        is not)."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generator")
        try:
            for number in range(1, self.options.bursts + 1):
                if self._stop.is_set():
                    break
                self.current_burst = number
                on_start(number)
                started = time.time()
                invocation = executor.submit(self._tick, started)
                summary = self._recovering(
                    partial(self._one_burst, number, started, invocation, on_judged)
                )
                self.summaries.append(summary)
                on_burst(summary)
                if number < self.options.bursts:
                    self._wait(max(0.0, started + self.interval - time.time()))
        finally:
            # Ctrl-C must not wait for a generator invocation to end (up to its 55 s timeout).
            executor.shutdown(wait=False, cancel_futures=True)
        return self.summaries

    def run_on_schedule(self) -> None:
        """Invoke the generator every interval until stopped, as its EventBridge rule does;
        nothing is refereed (`leda local serve --generator`)."""
        while not self._stop.is_set():
            started = time.time()
            self.current_burst += 1
            self._tick(started)
            self._stop.wait(max(0.0, started + self.interval - time.time()))

    # -- a burst ---------------------------------------------------------------------------------
    def _tick(self, when: float) -> InvocationResult:
        self._put_malformed()
        return self.deployment.invoke(self._generator, scheduled_event(when))

    def _put_malformed(self) -> None:
        """`--inject malformed-records`: a producer's bad records, next to the burst."""
        count = self.deployment.options.faults.malformed_per_burst
        if not count:
            return
        entries: Any = malformed_entries(count, self._fault_rng)
        self._kinesis.put_records(
            StreamName=self.deployment.output("incomingDataStreamName"), Records=entries
        )
        self._malformed_injected += count

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            self.deployment.cloud.check()
            self._stop.wait(min(0.2, max(0.0, deadline - time.monotonic())))

    def _recovering(self, step: Callable[[], BurstSummary]) -> BurstSummary:
        """Run `step`; on a persistent cloud an error talking to an emulator may mean it is
        being started again: wait for that, then try again, until the errors have lasted
        RECOVERY_SECONDS in a row (or the run is stopped, or the cloud has failed)."""
        failing_since: float | None = None
        last_failure = 0.0
        while True:
            try:
                return step()
            except (BotoCoreError, ClientError):
                cloud = self.deployment.cloud
                cloud.check()  # a loss the cloud could not recover from: its own error
                now = time.monotonic()
                if failing_since is None or now - last_failure > RECOVERY_SECONDS:
                    failing_since = now  # a new streak: the step got on well in between
                last_failure = now
                if not cloud.persistent or self._stop.is_set():
                    raise
                if now - failing_since > RECOVERY_SECONDS:
                    raise
                self._wait(1.0)
                while cloud.recovering and not self._stop.is_set():
                    self._wait(0.5)

    def _records_moved_on(self) -> int:
        """Records the deployment's triggers have delivered or given up so far: the pipeline's
        progress as the runtime knows it, at no cost to the emulators (the referee reads
        StateTable's stream only once the burst is over, so it does not compete with
        MapLambda's poller for DynamoDB Local while the burst runs)."""
        triggers = self.deployment.counters()["triggers"].values()
        return sum(int(t["records_delivered"]) + int(t["discarded_records"]) for t in triggers)

    def _one_burst(
        self,
        number: int,
        started: float,
        invocation: Future[Any],
        on_judged: Callable[[int], None],
    ) -> BurstSummary:
        referee = self._referee
        deadline = time.time() + self.check_delay + 180
        tally: BurstTally | None = None
        while tally is None and time.time() < deadline and not self._stop.is_set():
            referee.observe_sent()
            # This burst's messages carry the time the generator composed them: after `started`
            # (earlier ones belong to earlier bursts, or to a run that was stopped).
            fresh = [t for stamp, t in referee.bursts.items() if stamp >= Decimal(int(started))]
            tally = fresh[0] if fresh else None
            if tally is None:
                if invocation.done() and not invocation.result().ok:
                    break
                self._wait(0.1)
        correct = False
        stalled = False
        progress: tuple[int, int] | None = None
        progressed_at = time.time()
        while tally is not None and not self._stop.is_set():
            correct = referee.settled(tally, self.options.burst_size)
            now = time.time()
            seen = (self._records_moved_on(), referee.aggregated_count(referee.last_read))
            if seen != progress:
                progress, progressed_at = seen, now
            # Wrong aggregates are final once the generator has checked and the pipeline has
            # stopped moving (no record delivered, nothing aggregated); a backlog still
            # draining gets the time it needs.
            stalled = invocation.done() and now - progressed_at > STALL_SECONDS
            if correct or stalled or now > deadline:
                break
            self._wait(REFEREE_POLL_SECONDS)
        on_judged(number)
        result = invocation.result() if invocation.done() or not self._stop.is_set() else None
        payload = (
            result.payload if result and result.ok and isinstance(result.payload, dict) else {}
        )
        referee.observe()
        after = referee.aggregates.read()
        off = referee.differences(after)
        aggregated = referee.aggregated_count(after)
        changes = referee.state_changes
        stale = referee.lost_trades(self._dynamodb, self.deployment.output("stateTableName"))
        unsent = int(payload.get("lost_at_send") or 0) if payload else 0
        injected, self._malformed_injected = self._malformed_injected, 0
        first = tally.first_arrival if tally else None
        settled_at = tally.correct_at if tally and correct else progressed_at if stalled else None
        return BurstSummary(
            burst=number,
            sent=tally.sent if tally else 0,
            aggregated=aggregated,
            state_changes=changes,
            lost=stale + max(0, changes - aggregated) + unsent,
            duplicated=max(0, aggregated - changes),
            correct=correct and not off and not unsent,
            generator_correct=payload.get("correct") if payload else None,
            score=int(self.score()),
            latency_seconds=(
                round(tally.correct_at - tally.first_arrival, 3)
                if tally and tally.correct_at and tally.first_arrival
                else None
            ),
            mismatched_keys=sorted(off),
            lost_at_send=unsent,
            malformed_injected=injected,
            settled_seconds=round(settled_at - first, 3) if settled_at and first else None,
        )

    def _new_referee(self) -> Referee:
        deployment = self.deployment
        cloud = deployment.cloud
        stream = deployment.stream_arn(deployment.output("incomingDataStreamName"))
        state_stream = deployment.table_stream_arn(deployment.output("stateTableName"))
        if not stream:
            raise DeploymentError("the deployment has not started")
        referee = Referee(
            kinesis=StreamReader(
                KinesisSource(cloud.stream_client("kinesis"), stream), keep_iterators=True
            ),
            state_stream=(
                StreamReader(
                    DynamoDBStreamSource(cloud.stream_client("dynamodbstreams"), state_stream)
                )
                if state_stream
                else None
            ),
            aggregates=AggregateReader(self._dynamodb, deployment.output("aggregateTableName")),
        )
        referee.start()
        return referee


def scheduled_event(when: float) -> dict[str, Any]:
    """The event EventBridge sends a function its schedule rule targets."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
    return {
        "version": "0",
        "id": f"leda-local-{int(when * 1000)}",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": stamp,
        "region": LOCAL_REGION,
        "resources": [],
        "detail": {},
    }
