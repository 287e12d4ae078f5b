"""One offline run of a lab stage: emulators up, the stage's resources alive, bursts played.

The stage comes from the Pulumi program (runtime.plan); this module only starts what the plan
declares, feeds the generator on its schedule (`interval` shortens the minute) and asks the
referee after every burst. Everything it starts, it stops.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.domain.scoring import LAB2_PARAMETERS, SCORE
from pipeline.io.aggregate_store import AggregateStore
from pipeline.io.parameters import ParameterTable
from pipeline.stage import Stage

from leda.cloud import dynamodb_local, kinesalite, moto_server
from leda.cloud.credentials import LOCAL_CREDENTIALS, LOCAL_REGION, local_client
from leda.cloud.process import EmulatorProcess
from leda.deployment.plan import LocalPlan, rate_seconds, stage_plan
from leda.deployment.provision import LocalResources, provision
from leda.scheduler.firing import ScheduleFiring
from leda.triggers.checkpoints import CheckpointStore
from leda.triggers.config import MappingConfig, SourceKind
from leda.triggers.destination import OnFailureDestination
from leda.triggers.mapping import EventSourceMapping, source_for
from leda.triggers.sources import DynamoDBStreamSource, KinesisSource
from leda.workers.pool import FunctionPool
from leda.workers.spec import WorkerSpec
from leda.workshop.referee import Referee, StreamReader
from stacks.project import FUNCTIONS_DIR

RECORDS_PER_CALL = 40  # the workshop's PutRecords size
WORKSHOP_CHECK_DELAY = 30.0
STALL_SECONDS = 5.0  # no state change and no aggregate for this long: the burst is over


class SessionError(RuntimeError):
    """A run that cannot start: the message says what is wrong and what to do."""


@dataclass(frozen=True)
class SessionOptions:
    stage: str
    participant: str | None = None
    lab2: bool = False
    bursts: int = 3
    burst_size: int = 10_000
    interval: float | None = None  # seconds between bursts; None: the stack's schedule
    data_dir: Path | None = None  # keep emulator data and checkpoints here (restartable)
    keep_running: bool = False  # leave the emulators up after the run
    ports: tuple[int | None, int | None, int | None] = (None, None, None)  # ddb, kinesis, moto
    # A module that prices every AWS call the functions make (see functions/worker.py Meter).
    meter: str | None = None
    # The functions to run (SAM LogicalIds, e.g. ReminderLambda); empty: every function. The
    # stack's resources are all created either way; triggers run for the functions that do.
    functions: tuple[str, ...] = ()

    def validate(self) -> Stage:
        try:
            stage = Stage.parse(self.stage)
        except ValueError as error:
            raise SessionError(str(error)) from None
        if self.bursts < 1:
            raise SessionError(f"--bursts must be at least 1, not {self.bursts}")
        if self.burst_size < 1 or (
            self.burst_size > RECORDS_PER_CALL and self.burst_size % RECORDS_PER_CALL
        ):
            raise SessionError(
                f"--burst-size {self.burst_size} is not allowed: use 1-{RECORDS_PER_CALL} or a "
                f"multiple of {RECORDS_PER_CALL} (bursts are PutRecords calls of "
                f"{RECORDS_PER_CALL})"
            )
        if self.interval is not None and self.interval <= 0:
            raise SessionError(f"--interval must be positive, not {self.interval}")
        return stage


@dataclass
class BurstSummary:
    burst: int
    sent: int
    # Counted over everything sent since the data began (a resumed run included), so a
    # backlog carried from one burst into the next is neither lost nor duplicated.
    aggregated: int  # state changes the aggregates counted (message_count)
    state_changes: int  # INSERTs and MODIFYs StateTable's stream recorded
    lost: int  # trades whose latest version StateTable lacks + changes never aggregated
    duplicated: int  # aggregated more often than they happened
    correct: bool  # the referee: aggregates equal the latest version of every trade sent
    generator_correct: bool | None  # the generator's own check (its score)
    score: int
    latency_seconds: float | None  # first record sent -> aggregates correct
    mismatched_keys: list[str] = field(default_factory=list)


def _client(service: str, endpoint: str) -> Any:
    return local_client(
        service, endpoint, retries={"mode": "standard", "max_attempts": 4}, max_pool_connections=64
    )


class LocalSession:
    def __init__(self, options: SessionOptions) -> None:
        self.options = options
        self.stage = options.validate()
        self.emulators: dict[str, EmulatorProcess] = {}
        self.pools: dict[str, FunctionPool] = {}
        self.mappings: list[EventSourceMapping] = []
        self.summaries: list[BurstSummary] = []
        self.current_burst = 0
        self.plan: LocalPlan | None = None
        self.resources: LocalResources | None = None
        self.referee: Referee | None = None
        self.firing: ScheduleFiring | None = None
        self._scratch: Path | None = None
        self._stop = threading.Event()

    # -- start -------------------------------------------------------------------------------
    @property
    def state_dir(self) -> Path:
        if self.options.data_dir is not None:
            return self.options.data_dir
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="leda-local-"))
        return self._scratch

    @property
    def endpoints(self) -> dict[str, str]:
        return {name: emulator.endpoint for name, emulator in self.emulators.items()}

    def start(self, progress: Callable[[str], None] = lambda _: None) -> None:
        persistent = self.options.data_dir is not None
        logs = self.state_dir / "logs"
        attached = not self.options.keep_running
        progress("starting DynamoDB Local")
        self.emulators["dynamodb"] = dynamodb_local.start(
            self.state_dir / "dynamodb" if persistent else None,
            logs,
            port=self.options.ports[0],
            die_with_parent=attached,
        )
        progress("starting kinesalite")
        self.emulators["kinesis"] = kinesalite.start(
            self.state_dir / "kinesis" if persistent else None,
            logs,
            port=self.options.ports[1],
            die_with_parent=attached,
        )
        progress("starting moto server")
        self.emulators["moto"] = moto_server.start(
            logs, port=self.options.ports[2], die_with_parent=attached
        )
        progress(f"reading the {self.stage.value} stage from the Pulumi program")
        self.plan = stage_plan(self.stage.value, self.options.participant)
        self.dynamodb = _client("dynamodb", self.endpoints["dynamodb"])
        self.kinesis = _client("kinesis", self.endpoints["kinesis"])
        self.streams = _client("dynamodbstreams", self.endpoints["dynamodb"])
        self.sqs = _client("sqs", self.endpoints["moto"])
        self.scheduler = _client("scheduler", self.endpoints["moto"])
        self.ses = _client("ses", self.endpoints["moto"])
        self._check_functions()
        progress("creating tables, streams, queues and schedule groups")
        self.resources = provision(
            self.plan, self.dynamodb, self.kinesis, self.sqs, self.scheduler, self.ses
        )
        if self.options.lab2:
            parameters = ParameterTable(self.dynamodb, self._output("parameterTableName"))
            for name, value in LAB2_PARAMETERS.items():
                parameters.put(name, value)
        progress("starting functions and triggers")
        self._start_functions()
        self._start_mappings()
        self._start_firing()
        if self._runs_generator():
            self._start_referee()

    def _output(self, name: str) -> str:
        assert self.plan is not None
        return str(self.plan.outputs[name])

    def _function_environment(self) -> dict[str, str]:
        return {
            **LOCAL_CREDENTIALS,
            "AWS_ENDPOINT_URL_DYNAMODB": self.endpoints["dynamodb"],
            "AWS_ENDPOINT_URL_KINESIS": self.endpoints["kinesis"],
            "AWS_ENDPOINT_URL_SQS": self.endpoints["moto"],
            "AWS_ENDPOINT_URL_SES": self.endpoints["moto"],
            "AWS_ENDPOINT_URL_SCHEDULER": self.endpoints["moto"],
            **({"LEDA_METER": self.options.meter} if self.options.meter else {}),
        }

    @property
    def check_delay(self) -> float:
        interval = self.interval
        return min(WORKSHOP_CHECK_DELAY, interval / 2)

    @property
    def interval(self) -> float:
        if self.options.interval is not None:
            return self.options.interval
        assert self.plan is not None
        return rate_seconds(self.plan.schedules[0].expression) if self.plan.schedules else 60.0

    def _burst_shape(self) -> tuple[int, int]:
        size = self.options.burst_size
        per_call = min(RECORDS_PER_CALL, size)
        return size // per_call, per_call

    def _check_functions(self) -> None:
        assert self.plan is not None
        known = {function.logical_id for function in self.plan.functions}
        unknown = sorted(set(self.options.functions) - known)
        if unknown:
            raise SessionError(
                f"the stack declares no function {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(known))}"
            )

    def _selected(self, logical_id: str) -> bool:
        return not self.options.functions or logical_id in self.options.functions

    def _runs_generator(self) -> bool:
        assert self.plan is not None
        if not self.plan.schedules:
            return False
        return self._selected(self.plan.function(self.plan.schedules[0].function_arn).logical_id)

    def _start_functions(self) -> None:
        assert self.plan is not None and self.resources is not None
        source_root = FUNCTIONS_DIR
        generator_arns = {schedule.function_arn for schedule in self.plan.schedules}
        for function in self.plan.functions:
            if not self._selected(function.logical_id):
                continue
            module = function.handler.rsplit(".", 1)[0]
            built = (function.artifact_dir / f"{module}.py").is_file()
            environment = {k: self.resources.local(v) for k, v in function.environment.items()}
            if function.declared_arn in generator_arns:
                calls, per_call = self._burst_shape()
                environment.update(
                    {
                        "BURST_CALLS": str(calls),
                        "BURST_RECORDS_PER_CALL": str(per_call),
                        "CHECK_DELAY_SECONDS": str(self.check_delay),
                    }
                )
            spec = WorkerSpec(
                name=function.name,
                handler=function.handler,
                code_dir=function.artifact_dir if built else source_root,
                environment=environment,
                timeout_seconds=float(function.timeout_seconds),
                memory_mb=function.memory_mb,
                reserved_concurrency=function.reserved_concurrency,
            )
            self.pools[function.name] = FunctionPool(
                spec, self._function_environment(), self.state_dir / "logs" / "functions"
            )

    def _start_mappings(self) -> None:
        assert self.plan is not None and self.resources is not None
        checkpoints = CheckpointStore(self.state_dir / "checkpoints")
        for mapping in self.plan.mappings:
            function = self.plan.function(mapping.function_name)
            if function.name not in self.pools:
                continue  # the function is not run this time
            source_arn = self.resources.local(mapping.declared_source_arn)
            kind = (
                SourceKind.KINESIS
                if source_arn.startswith("arn:aws:kinesis")
                else (SourceKind.DYNAMODB)
            )
            destination_arn = (
                self.resources.local(mapping.declared_destination_arn)
                if mapping.declared_destination_arn
                else None
            )
            config = MappingConfig(
                name=mapping.name,
                function=function.name,
                source_kind=kind,
                source_arn=source_arn,
                on_failure_destination=destination_arn,
                **mapping.settings,
            )
            if not config.enabled:
                continue
            queue_url = self._queue_url(destination_arn)
            pool = self.pools[function.name]
            runner = EventSourceMapping(
                config,
                source_for(config, self.kinesis, self.streams),
                pool.invoke,
                pool.spec.arn,
                checkpoints,
                OnFailureDestination(self.sqs if queue_url else None, queue_url),
                journal_path=self.state_dir / "logs" / "triggers.jsonl",
            )
            runner.start()
            self.mappings.append(runner)

    def _start_firing(self) -> None:
        """The Scheduler's clock, for the schedule groups the stack declares."""
        assert self.plan is not None
        if not self.plan.schedule_groups:
            return
        self.firing = ScheduleFiring(
            self.scheduler,
            self.sqs,
            # The universal targets served offline, each by its emulator.
            {"ses": self.ses, "sqs": self.sqs, "dynamodb": self.dynamodb},
            self.plan.schedule_groups,
            journal_path=self.state_dir / "logs" / "schedules.jsonl",
        )
        self.firing.start()

    def _queue_url(self, arn: str | None) -> str | None:
        if arn is None or self.resources is None:
            return None
        name = arn.rsplit(":", 1)[-1]
        return self.resources.queue_urls.get(name)

    def _start_referee(self) -> None:
        assert self.resources is not None
        stream_arn = self.resources.stream_arns[self._output("incomingDataStreamName")]
        state_table = self._output("stateTableName")
        state_stream = self.resources.table_streams.get(state_table)
        self.referee = Referee(
            kinesis=StreamReader(KinesisSource(self.kinesis, stream_arn)),
            state_stream=(
                StreamReader(DynamoDBStreamSource(self.streams, state_stream))
                if state_stream
                else None
            ),
            aggregates=AggregateStore(self.dynamodb, self._output("aggregateTableName")),
        )
        self.referee.start()

    # -- play --------------------------------------------------------------------------------
    def play(self, on_burst: Callable[[BurstSummary], None] = lambda _: None) -> list[BurstSummary]:
        assert self.plan is not None
        if self.referee is None:
            raise SessionError("bursts need the generator, and it is not run in this session")
        generator = self.plan.function(self.plan.schedules[0].function_arn)
        pool = self.pools[generator.name]
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generator")
        try:
            for number in range(1, self.options.bursts + 1):
                if self._stop.is_set():
                    break
                self.current_burst = number
                started = time.time()
                summary = self._one_burst(
                    number, started, executor.submit(pool.invoke, _tick(started))
                )
                self.summaries.append(summary)
                on_burst(summary)
                if number < self.options.bursts:
                    self._stop.wait(max(0.0, started + self.interval - time.time()))
        finally:
            # Ctrl-C must not wait for a generator invocation to end (up to its 55 s timeout).
            executor.shutdown(wait=False, cancel_futures=True)
        return self.summaries

    def _one_burst(self, number: int, started: float, invocation: Future[Any]) -> BurstSummary:
        assert self.referee is not None
        referee = self.referee
        deadline = time.time() + self.check_delay + 180
        tally = None
        while tally is None and time.time() < deadline and not self._stop.is_set():
            referee.observe()
            # This burst's messages carry the time the generator composed them: after `started`
            # (earlier ones belong to earlier bursts, or to a run that was stopped).
            fresh = [t for stamp, t in referee.bursts.items() if stamp >= Decimal(int(started))]
            tally = fresh[0] if fresh else None
            if tally is None:
                if invocation.done() and not invocation.result().ok:
                    break
                time.sleep(0.1)
        correct = False
        progress: tuple[int, int] | None = None
        progressed_at = time.time()
        while tally is not None and not self._stop.is_set():
            correct = referee.settled(tally, self.options.burst_size)
            now = time.time()
            seen = (referee.state_changes, referee.aggregated_count(referee.last_read))
            if seen != progress:
                progress, progressed_at = seen, now
            # Wrong aggregates are final once the generator has checked and the pipeline has
            # stopped moving; a backlog still draining gets the time it needs.
            stalled = invocation.done() and now - progressed_at > STALL_SECONDS
            if correct or stalled or now > deadline:
                break
            time.sleep(0.2)
        result = invocation.result()
        payload = result.payload if result.ok and isinstance(result.payload, dict) else {}
        referee.observe()
        after = referee.aggregates.read()
        off = referee.differences(after)
        aggregated = referee.aggregated_count(after)
        changes = referee.state_changes
        stale = referee.lost_trades(self.dynamodb, self._output("stateTableName"))
        return BurstSummary(
            burst=number,
            sent=tally.sent if tally else 0,
            aggregated=aggregated,
            state_changes=changes,
            lost=stale + max(0, changes - aggregated),
            duplicated=max(0, aggregated - changes),
            correct=correct and not off,
            generator_correct=payload.get("correct") if payload else None,
            score=int(self.score()),
            latency_seconds=(
                round(tally.correct_at - tally.first_arrival, 3)
                if tally and tally.correct_at and tally.first_arrival
                else None
            ),
            mismatched_keys=sorted(off),
        )

    def score(self) -> Decimal:
        try:
            return ParameterTable(self.dynamodb, self._output("parameterTableName"), max_age=0).get(
                SCORE
            )
        except Exception:
            return Decimal(0)

    # -- observe and stop --------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "burst": self.current_burst,
            "functions": {name: _counters(pool.stats) for name, pool in self.pools.items()},
            "triggers": {
                m.config.name: {**_counters(m.stats), "errors": len(m.errors)}
                for m in self.mappings
            },
        }

    def stop(self, keep_emulators: bool = False) -> None:
        self._stop.set()
        if self.firing is not None:
            self.firing.stop()
        for mapping in self.mappings:  # first no new invocation anywhere, ...
            mapping.signal_stop()
        for pool in self.pools.values():  # ... then end the running ones, ...
            pool.close()
        for mapping in self.mappings:  # ... then wait for the pollers
            mapping.stop()
        if not keep_emulators:
            for emulator in self.emulators.values():
                emulator.stop()
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)


def _counters(stats: Any) -> dict[str, int | float]:
    values = {f.name: getattr(stats, f.name) for f in fields(stats)}
    return {name: value for name, value in values.items() if isinstance(value, int | float)}


def _tick(when: float) -> dict[str, Any]:
    """The scheduled event EventBridge sends the generator."""
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
