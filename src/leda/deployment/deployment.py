"""One stack brought to life on a LocalCloud: what `pulumi up` would deploy, running offline.

The stage and participant are read from the Pulumi program (plan.py); tables, streams, queues
and schedule groups are created in place on the cloud's emulators (provision.py); each function
runs in worker processes of its own (leda.workers); each event source mapping runs on the
trigger engine (leda.triggers); the Scheduler's clock fires the stack's schedule groups
(leda.scheduler). Several deployments share one cloud without touching each other: every
physical name carries the participant's prefix, and each keeps its checkpoints and logs in a
folder of its own under the cloud's state directory.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import TracebackType
from typing import Any

import pulumi

from leda.cloud.local_cloud import Emulator, LocalCloud
from leda.deployment.plan import (
    FunctionPlan,
    LocalPlan,
    MappingPlan,
    PlanError,
    rate_seconds,
    stage_plan,
)
from leda.deployment.provision import LocalResources, provision
from leda.faults.hooks import VARIABLE as FAULTS_VARIABLE
from leda.faults.plan import FaultPlan
from leda.faults.replay import Replay
from leda.iam.requests import Place
from leda.iam.roles import RoleBook
from leda.scheduler.firing import Firing, Refusal, ScheduleFiring
from leda.triggers.checkpoints import CheckpointStore
from leda.triggers.config import MappingConfig, SourceKind
from leda.triggers.destination import OnFailureDestination
from leda.triggers.mapping import EventSourceMapping, source_for
from leda.triggers.poller import Invoke
from leda.workers.pool import FunctionPool
from leda.workers.spec import InvocationResult, WorkerSpec
from stacks.config import LAB_WORKSPACE
from stacks.project import FUNCTIONS_DIR
from stacks.stage_model import FunctionId, Stage

MARKER = "deployment.json"
IAM_VARIABLE = "LEDA_IAM"  # the worker's guard reads its identity here (and removes it)
log = logging.getLogger(__name__)  # which stage and participant a deployment's folder belongs to


class DeploymentError(RuntimeError):
    """A deployment that cannot start; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class DeploymentOptions:
    stage: str
    participant: str | None = None
    # The functions to run (SAM LogicalIds, e.g. ReminderLambda); empty: every function. The
    # stack's resources are all created either way; triggers run for the functions that do.
    functions: tuple[str, ...] = ()
    # A module that prices every AWS call the functions make (see workers/worker.py Meter).
    meter: str | None = None
    # Other deployments' folders in the same data directory are expected (an offline class).
    shares_data_dir: bool = False
    # Every call a function makes, every mapping created and every target the Scheduler calls
    # decided by the roles the program declares, as on AWS. Off: everything is allowed.
    enforce_iam: bool = True
    # Off for a deployment beside one that already runs them (`leda local invoke` against a
    # running `leda local serve`): only its functions are started.
    triggers: bool = True
    # Failures to provoke (`leda local up --inject`): in the functions' calls, the Reduce
    # trigger's deliveries and the bursts (leda.faults).
    faults: FaultPlan = field(default_factory=FaultPlan)
    # Draws of the injected failures; None: unseeded.
    fault_seed: int | None = None
    # The lab workspace the `lab` stage reads (stacks/lab_workspace.py); None: the project's
    # lab/ folder.
    workspace: Path | None = None

    def plan(self) -> LocalPlan:
        """What the program declares for these options."""
        return read_stage_plan(self.stage, self.participant, self.workspace)

    def validate(self) -> None:
        allowed = " | ".join(stage.value for stage in Stage)
        if self.stage not in {stage.value for stage in Stage}:
            raise DeploymentError(f"unknown stage {self.stage!r}; allowed: {allowed}")


@dataclass(frozen=True)
class PhysicalNames:
    """What a user points their own tools at: names as the stack declares them, and the
    emulators' ARNs and URLs for them."""

    stage: str
    prefix: str
    kinesis_streams: dict[str, str] = field(default_factory=dict)  # name -> ARN
    tables: dict[str, str | None] = field(default_factory=dict)  # name -> stream ARN or None
    queues: dict[str, str] = field(default_factory=dict)  # name -> URL
    schedule_groups: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()


class Deployment:
    """`with Deployment(cloud, options) as deployment:` — the stack alive inside, stopped after.

    The emulators' data is left as it is when the deployment stops (the cloud decides whether
    it is kept); only the deployment's own processes and threads end.
    """

    def __init__(
        self,
        cloud: LocalCloud,
        options: DeploymentOptions,
        progress: Callable[[str], None] = lambda _: None,
        plan: LocalPlan | None = None,
    ) -> None:
        options.validate()
        self.cloud = cloud
        self.options = options
        self._progress = progress
        self._plan = plan
        self._resources: LocalResources | None = None
        self._pools: dict[str, FunctionPool] = {}
        self._mappings: list[EventSourceMapping] = []
        self._firing: ScheduleFiring | None = None
        self._started = False
        self._roles: RoleBook | None = None
        self._refused: list[MappingRefusal] = []
        self._replays: list[Replay] = []

    # -- the context manager -------------------------------------------------------------------
    def __enter__(self) -> Deployment:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if self._plan is None:
            self._progress(f"reading the {self.options.stage} stage from the Pulumi program")
            self._plan = self.options.plan()
        self._check_functions()
        self._claim_folder()
        self._roles = RoleBook.parse(
            {role.arn: role.policies for role in self.plan.roles},
            Place(self.plan.region, self.plan.account),
            journal=str(self._decisions_path()),
        )
        self._progress(f"creating {self.prefix}'s tables, streams, queues and schedule groups")
        self._provision()
        self.cloud.on_restart(self._restore)
        self._progress(f"starting {self.prefix}'s functions and triggers")
        self._start_functions()
        if self.options.triggers:
            self._start_mappings()
            self._start_firing()
        self._started = True

    def stop(self) -> None:
        """No new invocation anywhere, then end the running ones, then wait for the pollers;
        a batch in flight stays in flight and is delivered again after a restart."""
        self.cloud.forget(self._restore)
        self._started = False
        if self._firing is not None:
            self._firing.stop()
        for mapping in self._mappings:
            mapping.signal_stop()
        for pool in self._pools.values():
            pool.close()
        for mapping in self._mappings:
            mapping.stop()
        self._mappings, self._firing = [], None

    # -- what it is ----------------------------------------------------------------------------
    @property
    def plan(self) -> LocalPlan:
        if self._plan is None:
            raise DeploymentError("the deployment has not started")
        return self._plan

    @property
    def stage(self) -> str:
        return self.options.stage

    @property
    def prefix(self) -> str:
        """The participant's name prefix every physical name starts with."""
        return self.plan.prefix

    @property
    def folder(self) -> Path:
        """This deployment's checkpoints, logs and journals, under the cloud's state folder."""
        return self.cloud.state_dir / "deployments" / self.prefix

    def output(self, name: str) -> str:
        """A stack output (e.g. `stateTableName`), as `pulumi stack output` would print it."""
        try:
            return str(self.plan.outputs[name])
        except KeyError:
            raise DeploymentError(f"the stack exports no output {name!r}") from None

    def local(self, declared: str) -> str:
        """A declared ARN or URL as the emulators know it."""
        return self._resources.local(declared) if self._resources else declared

    def names(self) -> PhysicalNames:
        resources = self._resources or LocalResources()
        return PhysicalNames(
            stage=self.stage,
            prefix=self.prefix,
            kinesis_streams={
                s.name: resources.stream_arns.get(s.name, "") for s in self.plan.streams
            },
            tables={t.name: resources.table_streams.get(t.name) for t in self.plan.tables},
            queues={q.name: resources.queue_urls.get(q.name, "") for q in self.plan.queues},
            schedule_groups=self.plan.schedule_groups,
            functions=tuple(f.name for f in self.plan.functions if f.name in self._pools),
        )

    def stream_arn(self, stream_name: str) -> str:
        return self._resources.stream_arns[stream_name] if self._resources else ""

    def table_stream_arn(self, table_name: str) -> str | None:
        return self._resources.table_streams.get(table_name) if self._resources else None

    def queue_url(self, name_or_arn: str) -> str | None:
        name = name_or_arn.rsplit(":", 1)[-1]
        return self._resources.queue_urls.get(name) if self._resources else None

    # -- functions -------------------------------------------------------------------------------
    def function(self, name: str) -> FunctionPlan:
        """A function by physical name, SAM LogicalId or declared ARN."""
        try:
            return self.plan.function(name)
        except PlanError as error:
            raise DeploymentError(str(error)) from None

    def runs(self, name: str) -> bool:
        """Whether this deployment runs the function (see DeploymentOptions.functions)."""
        return self.function(name).name in self._pools

    def generator(self) -> FunctionPlan | None:
        """The function the stack's schedule rule invokes (the workshop's generator)."""
        if not self.plan.schedules:
            return None
        return self.function(self.plan.schedules[0].function_arn)

    def schedule_interval(self) -> float:
        """Seconds between the generator's scheduled runs (`rate(1 minute)`: 60)."""
        if not self.plan.schedules:
            return 60.0
        return rate_seconds(self.plan.schedules[0].expression)

    def invoke(self, name: str, event: Mapping[str, Any]) -> InvocationResult:
        """Invoke a function synchronously, as `aws lambda invoke` does."""
        return self._pool(name).invoke(dict(event))

    def configure(self, name: str, variables: Mapping[str, str]) -> None:
        """Change a function's environment, as UpdateFunctionConfiguration does: warm workers
        are retired and the next invocation starts with the new values."""
        self._pool(name).update_environment(variables)

    def counters(self) -> dict[str, Any]:
        """Invocations, errors and trigger progress so far, by function and by trigger."""
        return {
            "functions": {name: _numbers(pool.stats) for name, pool in self._pools.items()},
            "triggers": {
                m.config.name: {**_numbers(m.stats), "errors": len(m.errors)}
                for m in self._mappings
            },
        }

    def error_types(self, name: str) -> dict[str, int]:
        """How often the function raised each kind of error so far (errorType -> count)."""
        stats = self._pool(name).stats
        with stats.lock:
            return dict(stats.error_types)

    def worker_pids(self) -> list[int]:
        return [pid for pids in self.worker_pids_by_function().values() for pid in pids]

    def worker_pids_by_function(self) -> dict[str, list[int]]:
        """Each function's logical id -> the processes running it now."""
        return {
            self.function(pool.spec.name).logical_id: pool.worker_pids()
            for pool in self._pools.values()
        }

    def usage(self) -> dict[str, FunctionUsage]:
        """What each function consumed: its metered AWS calls, invocations and busy time."""
        return {
            pool.spec.name: FunctionUsage(
                logical_id=self.function(pool.spec.name).logical_id,
                invocations=pool.stats.invocations,
                busy_seconds=pool.stats.busy_seconds,
                memory_mb=pool.spec.memory_mb,
                metered_calls=list(pool.stats.usage),
            )
            for pool in self._pools.values()
        }

    def function_log(self, name: str) -> str:
        """What a function printed and logged so far (its workers' stdout and stderr), as its
        CloudWatch log group would hold it."""
        path = self.folder / "logs" / f"{self.function(name).name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def iam_decisions(self) -> list[dict[str, Any]]:
        """Every distinct IAM decision so far (functions, triggers, the Scheduler), with the
        statements that allowed each: which grants the workload needed."""
        path = self._decisions_path()
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _decisions_path(self) -> Path:
        path = self.folder / "iam" / "decisions.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def refused_mappings(self) -> list[MappingRefusal]:
        """Event source mappings Lambda would have refused to create (their role cannot read
        the source or send to the destination): not running, as on AWS."""
        return list(self._refused)

    def fired_schedules(self) -> tuple[list[Firing], list[Refusal]]:
        """Every schedule the offline Scheduler fired or refused so far."""
        if self._firing is None:
            raise DeploymentError("the stack declares no schedule group: nothing fires schedules")
        return self._firing.snapshot()

    # -- starting --------------------------------------------------------------------------------
    def _pool(self, name: str) -> FunctionPool:
        function = self.function(name)
        if function.name not in self._pools:
            raise DeploymentError(f"{function.logical_id} is not run by this deployment")
        return self._pools[function.name]

    def _check_functions(self) -> None:
        known = {function.logical_id for function in self.plan.functions}
        unknown = sorted(set(self.options.functions) - known)
        if unknown:
            raise DeploymentError(
                f"the stack declares no function {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(known))}"
            )

    def _claim_folder(self) -> None:
        check_data_dir(
            self.cloud.state_dir if self.cloud.persistent else None,
            self.stage,
            self.prefix,
            self.options.shares_data_dir,
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        marker = self.folder / MARKER
        draft = marker.with_suffix(".tmp")
        draft.write_text(json.dumps({"stage": self.stage, "participant": self.prefix}))
        draft.replace(marker)  # whole or not at all, even if the runtime is killed meanwhile

    def _provision(self) -> None:
        self._resources = provision(
            self.plan,
            self.cloud.client("dynamodb"),
            self.cloud.client("kinesis"),
            self.cloud.client("sqs"),
            self.cloud.client("scheduler"),
            self.cloud.client("ses"),
        )

    def _restore(self, emulator: Emulator) -> None:
        """An emulator came back on its data: create again what it keeps in memory only
        (moto's queues, schedule groups and sender identity)."""
        if emulator == "moto" and self._started:
            self._provision()

    def _selected(self, function: FunctionPlan) -> bool:
        return not self.options.functions or function.logical_id in self.options.functions

    def _start_functions(self) -> None:
        assert self._resources is not None
        base = {
            **self.cloud.function_environment(),
            **({"LEDA_METER": self.options.meter} if self.options.meter else {}),
        }
        for function in self.plan.functions:
            if not self._selected(function):
                continue
            module = function.handler.rsplit(".", 1)[0]
            built = (
                function.artifact_dir.is_absolute()
                and (function.artifact_dir / f"{module}.py").is_file()
            )
            spec = WorkerSpec(
                name=function.name,
                handler=function.handler,
                code_dir=function.artifact_dir if built else FUNCTIONS_DIR,
                overlay_dirs=function.overlay_dirs,
                environment={k: self.local(v) for k, v in function.environment.items()},
                timeout_seconds=float(function.timeout_seconds),
                memory_mb=function.memory_mb,
                reserved_concurrency=function.reserved_concurrency,
            )
            environment = dict(base)
            if self.options.enforce_iam:
                environment[IAM_VARIABLE] = str(self._identity_file(function))
            injected = self.options.faults.for_worker(
                function.logical_id, seed=self.options.fault_seed
            )
            if injected:
                environment[FAULTS_VARIABLE] = json.dumps(injected)
            self._pools[function.name] = FunctionPool(spec, environment, self.folder / "logs")

    def _identity_file(self, function: FunctionPlan) -> Path:
        """The function's role and policies, for its worker's guard (leda.iam.guard)."""
        assert self._roles is not None
        role = self.plan.role(function.role_arn)
        identity = self._roles.identity(role.arn, function.name)
        path = self.folder / "iam" / f"{function.name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(identity.to_json(dict(role.policies)), encoding="utf-8")
        return path

    def _start_mappings(self) -> None:
        checkpoints = CheckpointStore(self.folder / "checkpoints")
        for mapping in self.plan.mappings:
            function = self.function(mapping.function_name)
            if function.name not in self._pools:
                continue  # the function is not run this time
            source_arn = self.local(mapping.declared_source_arn)
            kind = (
                SourceKind.KINESIS
                if source_arn.startswith("arn:aws:kinesis")
                else SourceKind.DYNAMODB
            )
            destination_arn = (
                self.local(mapping.declared_destination_arn)
                if mapping.declared_destination_arn
                else None
            )
            config = MappingConfig(
                name=mapping.name,
                function=function.name,
                source_kind=kind,
                source_arn=source_arn,
                on_failure_destination=destination_arn,
                region=self.plan.region,  # named by its events and on-failure records
                **mapping.settings,
            )
            if not config.enabled:
                continue
            refusal = self._mapping_refusal(function, kind, mapping)
            if refusal is not None:
                self._refused.append(MappingRefusal(mapping.name, function.logical_id, refusal))
                log.warning("event source mapping %s refused: %s", mapping.name, refusal)
                continue
            queue_url = self.queue_url(destination_arn) if destination_arn else None
            pool = self._pools[function.name]
            runner = EventSourceMapping(
                config,
                source_for(
                    config,
                    self.cloud.stream_client("kinesis"),
                    self.cloud.stream_client("dynamodbstreams"),
                ),
                self._delivery(function, pool),
                pool.spec.arn,
                checkpoints,
                OnFailureDestination(self.cloud.client("sqs") if queue_url else None, queue_url),
                journal_path=self.folder / "logs" / "triggers.jsonl",
            )
            runner.start()
            self._mappings.append(runner)

    def _delivery(self, function: FunctionPlan, pool: FunctionPool) -> Invoke:
        """How a mapping invokes its function: the pool, or, with Reduce batches to deliver
        again (leda.faults), the pool behind a Replay for each kind."""
        invoke: Invoke = pool.invoke
        if function.logical_id != FunctionId.REDUCE.value:
            return invoke
        faults = self.options.faults
        rng = random.Random(self.options.fault_seed)
        kinds = ((faults.reduce_redelivery_share, False), (faults.reduce_replay_share, True))
        for share, late in kinds:
            if share:
                replay = Replay(invoke, pool.invoke, share, rng, late=late)
                self._replays.append(replay)
                invoke = replay
        return invoke

    def injected(self) -> dict[str, int]:
        """How often the runtime itself provoked a failure so far (the workers count theirs in
        their logs): Reduce batches delivered again, late or within the token's window."""
        return {
            "late_replays": sum(r.replayed for r in self._replays if r.late),
            "redeliveries": sum(r.replayed for r in self._replays if not r.late),
        }

    def _mapping_refusal(
        self, function: FunctionPlan, kind: SourceKind, mapping: MappingPlan
    ) -> str | None:
        if not self.options.enforce_iam or self._roles is None:
            return None
        return self._roles.mapping_refusal(
            function.role_arn,
            "kinesis" if kind is SourceKind.KINESIS else "dynamodb",
            mapping.declared_source_arn,
            mapping.declared_destination_arn,
        )

    def _start_firing(self) -> None:
        if not self.plan.schedule_groups:
            return
        self._firing = ScheduleFiring(
            self.cloud.client("scheduler"),
            self.cloud.client("sqs"),
            # The universal targets served offline, each by its emulator.
            {
                "ses": self.cloud.client("ses"),
                "sqs": self.cloud.client("sqs"),
                "dynamodb": self.cloud.client("dynamodb"),
            },
            self.plan.schedule_groups,
            journal_path=self.folder / "logs" / "schedules.jsonl",
            authorize=self._roles.authorize if self.options.enforce_iam and self._roles else None,
        )
        self._firing.start()


@dataclass(frozen=True)
class MappingRefusal:
    """A trigger CreateEventSourceMapping refuses: InvalidParameterValueException, this text."""

    mapping: str
    function: str  # its SAM LogicalId
    message: str

    def __str__(self) -> str:
        return f"{self.mapping} ({self.function}): InvalidParameterValueException: {self.message}"


@dataclass(frozen=True)
class FunctionUsage:
    logical_id: str
    invocations: int
    busy_seconds: float
    memory_mb: int
    metered_calls: list[dict[str, Any]]


def check_data_dir(data_dir: Path | None, stage: str, prefix: str, shared: bool = False) -> None:
    """Refuse a data directory made for another stage or participant: its tables and
    checkpoints belong to that stack, and mixing them would make nonsense of both. Called
    before anything starts (by the commands) and again when a deployment claims its folder."""
    if data_dir is None:
        return
    if (data_dir / "checkpoints").is_dir():
        raise DeploymentError(
            f"{data_dir} was made by an earlier Leda (checkpoints at its top level); its "
            "triggers would start over: delete it, or choose another --data-dir"
        )
    owners: dict[str, str] = {}
    for marker in sorted((data_dir / "deployments").glob(f"*/{MARKER}")):
        try:
            found = json.loads(marker.read_text())
            owners[str(found["participant"])] = str(found["stage"])
        except (ValueError, KeyError, TypeError):
            raise DeploymentError(
                f"{marker} is unreadable; delete {marker.parent} (its stack starts over) or "
                "choose another --data-dir"
            ) from None
    if prefix in owners:
        if owners[prefix] != stage:
            raise DeploymentError(
                f"{data_dir} holds the {owners[prefix]} stage of {prefix}, not the {stage} "
                f"stage; run with --stage {owners[prefix]}, or choose another --data-dir"
            )
    elif owners and not shared:
        others = sorted(owners)
        raise DeploymentError(
            f"{data_dir} holds the stack of {', '.join(others)}, not {prefix}; run with "
            f"--participant {others[0]}, or choose another --data-dir"
        )


def read_stage_plan(
    stage: str, participant: str | None, workspace: Path | None = None
) -> LocalPlan:
    """The stage's plan from the Pulumi program; its config errors as DeploymentError."""
    extra = {LAB_WORKSPACE: str(workspace.resolve())} if workspace is not None else None
    try:
        return stage_plan(stage, participant, extra)
    except (PlanError, pulumi.RunError) as error:  # the program's own refusal: its message
        raise DeploymentError(str(error)) from None


def _numbers(stats: Any) -> dict[str, int | float]:
    values = {f.name: getattr(stats, f.name) for f in fields(stats)}
    return {name: value for name, value in values.items() if isinstance(value, int | float)}
