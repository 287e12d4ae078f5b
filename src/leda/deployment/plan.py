"""What a stage declares, read from the Pulumi program run under mocks.

Nothing about a stage is written here: tables, streams, queues, functions, triggers and the
schedule all come from the same program `pulumi up` deploys (stacks/), so the broken stage is
broken offline for the same reasons it is broken on AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TABLE = "aws:dynamodb/table:Table"
STREAM = "aws:kinesis/stream:Stream"
QUEUE = "aws:sqs/queue:Queue"
FUNCTION = "aws:lambda/function:Function"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SCHEDULE_GROUP = "aws:scheduler/scheduleGroup:ScheduleGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


class PlanError(ValueError):
    pass


@dataclass(frozen=True)
class TablePlan:
    name: str
    hash_key: str
    stream_view: str | None  # None: no stream
    ttl_attribute: str | None
    declared_arn: str
    declared_stream_arn: str
    range_key: str | None = None
    # Attribute name -> DynamoDB type ("S", "N", "B") of the key attributes.
    attribute_types: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StreamPlan:
    name: str
    shards: int
    declared_arn: str


@dataclass(frozen=True)
class QueuePlan:
    name: str
    declared_arn: str
    declared_url: str


@dataclass(frozen=True)
class RolePlan:
    name: str
    arn: str
    trust_policy: str  # JSON
    policies: Mapping[str, str] = field(default_factory=dict)  # inline policy name -> JSON


@dataclass(frozen=True)
class FunctionPlan:
    name: str
    logical_id: str  # the SAM LogicalId its artifact is built under
    handler: str
    runtime: str
    memory_mb: int
    timeout_seconds: int
    reserved_concurrency: int | None
    environment: Mapping[str, str]
    artifact_dir: Path
    declared_arn: str
    role_arn: str = ""  # the execution role Lambda assumes for it
    # Folders whose files the stack lays over the artifact (a lab workspace's code), first
    # to be searched.
    overlay_dirs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class MappingPlan:
    name: str
    function_name: str
    declared_source_arn: str
    settings: Mapping[str, Any]  # MappingConfig fields, Lambda's defaults filled in
    declared_destination_arn: str | None


@dataclass(frozen=True)
class SchedulePlan:
    name: str
    expression: str
    function_arn: str


@dataclass(frozen=True)
class LocalPlan:
    stage: str
    tables: tuple[TablePlan, ...]
    streams: tuple[StreamPlan, ...]
    queues: tuple[QueuePlan, ...]
    functions: tuple[FunctionPlan, ...]
    mappings: tuple[MappingPlan, ...]
    schedules: tuple[SchedulePlan, ...]  # EventBridge rules (the generator's minute)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    schedule_groups: tuple[str, ...] = ()  # EventBridge Scheduler groups (the reminders)
    roles: tuple[RolePlan, ...] = ()

    def role(self, arn: str) -> RolePlan:
        for role in self.roles:
            if arn in (role.arn, role.name):
                return role
        raise PlanError(f"the stack declares no role {arn!r}")

    @property
    def region(self) -> str:
        return str(self.outputs.get("region") or "us-east-1")

    @property
    def account(self) -> str:
        """The account every declared ARN names (a role ARN's fifth part)."""
        for role in self.roles:
            return role.arn.split(":")[4]
        raise PlanError("the stack declares no role, so no account")

    @property
    def prefix(self) -> str:
        """The participant's prefix: every physical name is `<prefix>-<LogicalId>`."""
        for function in self.functions:
            if function.name.endswith("-" + function.logical_id):
                return function.name.removesuffix("-" + function.logical_id)
        raise PlanError("the stack's function names carry no participant prefix")

    def function(self, name: str) -> FunctionPlan:
        for plan in self.functions:
            if name in (plan.name, plan.logical_id, plan.declared_arn):
                return plan
        raise PlanError(f"the stack declares no function {name!r}")


def _int(value: Any, default: int) -> int:
    return default if value is None else int(value)


def read_plan(resources: Any, outputs: Mapping[str, Any], stage: str) -> LocalPlan:
    """Turn declared resources (stacks.mocks.run.DeclaredResource) into a LocalPlan."""
    tables, streams, queues, functions, mappings, rules, targets = [], [], [], [], [], {}, []
    roles: dict[str, tuple[str, str]] = {}  # name -> (ARN, trust policy)
    role_policies: dict[str, dict[str, str]] = {}  # role name -> inline policies
    groups: list[str] = []
    for resource in resources:
        inputs, outs = resource.inputs, resource.outputs
        if resource.type == TABLE:
            ttl = inputs.get("ttl") or {}
            tables.append(
                TablePlan(
                    name=inputs["name"],
                    hash_key=inputs["hashKey"],
                    stream_view=inputs.get("streamViewType")
                    if inputs.get("streamEnabled")
                    else None,
                    ttl_attribute=ttl.get("attributeName") if ttl.get("enabled") else None,
                    declared_arn=outs.get("arn", ""),
                    declared_stream_arn=outs.get("streamArn", ""),
                    range_key=inputs.get("rangeKey") or None,
                    attribute_types={
                        attribute["name"]: attribute["type"]
                        for attribute in inputs.get("attributes") or ()
                    },
                )
            )
        elif resource.type == STREAM:
            streams.append(
                StreamPlan(inputs["name"], _int(inputs.get("shardCount"), 1), outs.get("arn", ""))
            )
        elif resource.type == QUEUE:
            queues.append(QueuePlan(inputs["name"], outs.get("arn", ""), outs.get("url", "")))
        elif resource.type == FUNCTION:
            code = inputs.get("code") or {}
            archive = code.get("fileArchive", "")
            overlay: tuple[Path, ...] = ()
            if "assetArchive" in code:
                archive, overlay = _layers(code["assetArchive"], inputs["handler"])
            functions.append(
                FunctionPlan(
                    name=inputs["name"],
                    logical_id=_logical_id(archive, inputs["name"], outputs),
                    handler=inputs["handler"],
                    runtime=inputs.get("runtime", ""),
                    memory_mb=_int(inputs.get("memorySize"), 128),
                    timeout_seconds=_int(inputs.get("timeout"), 3),
                    reserved_concurrency=(
                        None
                        if inputs.get("reservedConcurrentExecutions") in (None, -1)
                        else int(inputs["reservedConcurrentExecutions"])
                    ),
                    environment=dict((inputs.get("environment") or {}).get("variables") or {}),
                    artifact_dir=Path(archive),
                    declared_arn=outs.get("arn", ""),
                    role_arn=str(inputs.get("role") or ""),
                    overlay_dirs=overlay,
                )
            )
        elif resource.type == MAPPING:
            destination = ((inputs.get("destinationConfig") or {}).get("onFailure") or {}).get(
                "destinationArn"
            )
            mappings.append(
                MappingPlan(
                    name=resource.name,
                    function_name=inputs["functionName"],
                    declared_source_arn=inputs["eventSourceArn"],
                    settings={
                        "batch_size": _int(inputs.get("batchSize"), 100),
                        "batching_window_seconds": _int(
                            inputs.get("maximumBatchingWindowInSeconds"), 0
                        ),
                        "starting_position": inputs.get("startingPosition", "LATEST"),
                        "maximum_retry_attempts": _int(inputs.get("maximumRetryAttempts"), -1),
                        "maximum_record_age_seconds": _int(
                            inputs.get("maximumRecordAgeInSeconds"), -1
                        ),
                        "bisect_on_error": bool(inputs.get("bisectBatchOnFunctionError", False)),
                        "parallelization_factor": _int(inputs.get("parallelizationFactor"), 1),
                        "function_response_types": tuple(inputs.get("functionResponseTypes") or ()),
                        "enabled": bool(inputs.get("enabled", True)),
                    },
                    declared_destination_arn=destination,
                )
            )
        elif resource.type == RULE and inputs.get("scheduleExpression"):
            rules[inputs["name"]] = inputs["scheduleExpression"]
        elif resource.type == TARGET:
            targets.append((inputs["rule"], inputs["arn"]))
        elif resource.type == ROLE:
            roles[inputs["name"]] = (outs.get("arn", ""), str(inputs.get("assumeRolePolicy", "")))
        elif resource.type == ROLE_POLICY:
            role_policies.setdefault(inputs["role"], {})[inputs["name"]] = str(inputs["policy"])
        elif resource.type == SCHEDULE_GROUP:
            groups.append(inputs.get("name") or resource.name)
    schedules = tuple(
        SchedulePlan(rule, rules[rule], arn) for rule, arn in targets if rule in rules
    )
    return LocalPlan(
        stage,
        tuple(tables),
        tuple(streams),
        tuple(queues),
        tuple(functions),
        tuple(mappings),
        schedules,
        dict(outputs),
        tuple(groups),
        tuple(
            RolePlan(name, arn, trust, role_policies.get(name, {}))
            for name, (arn, trust) in sorted(roles.items())
        ),
    )


def _layers(files: Mapping[str, Any], handler: str) -> tuple[str, tuple[Path, ...]]:
    """An archive listed file by file: the folder the handler module comes from (the overlay)
    and the other one (the artifact, or "" when it is not built)."""
    roots: set[Path] = set()
    module = handler.rsplit(".", 1)[0] + ".py"
    handler_root: Path | None = None
    for name, item in files.items():
        path = Path(str((item or {}).get("fileAsset", "")))
        root = Path(*path.parts[: len(path.parts) - len(Path(name).parts)])
        roots.add(root)
        if name == module:
            handler_root = root
    others = sorted(root for root in roots if root != handler_root)
    overlay = (handler_root,) if handler_root is not None else ()
    return (str(others[0]) if others else ""), overlay


def _logical_id(archive: str, name: str, outputs: Mapping[str, Any]) -> str:
    """The SAM LogicalId: the artifact folder's name, or the function's name without the
    participant's prefix."""
    if archive:
        return Path(archive).name
    prefix = f"{outputs.get('namePrefix', '')}-"
    return name[len(prefix) :] if name.startswith(prefix) else name


def stage_plan(
    stage: str, participant: str | None = None, extra_config: Mapping[str, str] | None = None
) -> LocalPlan:
    """Run the stack's program for a stage under Pulumi's mocks and read what it declares."""
    from stacks.mocks import run as mock_run  # the program's second interpreter

    run = mock_run.run(
        mock_run.stage_config(stage, participant=participant, extra=extra_config),
        require_artifacts=False,
    )
    return read_plan(run.resources, run.outputs, stage)


def rate_seconds(expression: str) -> float:
    """`rate(1 minute)` -> 60.0; the only schedule form the stack uses."""
    text = expression.strip()
    if not (text.startswith("rate(") and text.endswith(")")):
        raise PlanError(f"unsupported schedule expression {expression!r}; allowed: rate(...)")
    amount, _, unit = text[5:-1].strip().partition(" ")
    seconds = {
        "minute": 60,
        "minutes": 60,
        "hour": 3600,
        "hours": 3600,
        "day": 86400,
        "days": 86400,
    }.get(unit)
    if seconds is None or not amount.isdigit():
        raise PlanError(f"unsupported schedule expression {expression!r}")
    return float(int(amount) * seconds)
