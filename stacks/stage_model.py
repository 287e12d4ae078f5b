"""Every fact that differs between lab stages, written once.

The workshop's stage table (README.md, "Lab stages and AWS") as data: the stages themselves,
which triggers exist and how they batch and retry, whether ReduceTable has a stream,
ReduceLambda's reserved concurrency, which functions get the dead-letter queue, which code path
each function takes (`SWITCHES`), and the exact permissions of every function. The pipeline's
component (`stacks/pipeline/component.py`) turns a `StageModel` into resources; `leda stage
diff` shows the difference between two models as the labs' answer key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "FUNCTIONS",
    "SWITCHES",
    "FunctionDefinition",
    "FunctionId",
    "Grant",
    "Stage",
    "StageModel",
    "Target",
    "TriggerSpec",
    "model",
]


class Stage(StrEnum):
    """A lab stage, the stack config `leda:stage`: handed out, after lab 1, after lab 2 (the
    workshop's answers, flaws included), and hardened (lab 3: what the workshop leaves open)."""

    BROKEN = "broken"
    WIRED = "wired"
    FAULT_TOLERANT = "fault-tolerant"
    HARDENED = "hardened"
    # A participant's workspace (`leda lab start`): the handed-out stack with the participant's
    # own triggers, concurrency, ReduceLambda policy and code (stacks/lab_workspace.py).
    LAB = "lab"

    @classmethod
    def parse(cls, text: str) -> Stage:
        try:
            return cls(text)
        except ValueError:
            allowed = " | ".join(stage.value for stage in cls)
            raise ValueError(f"unknown stage {text!r}; allowed: {allowed}") from None


class FunctionId(StrEnum):
    """The four functions; the values are the SAM LogicalIds their artifacts are built under."""

    GENERATOR = "GeneratorLambda"
    STATE = "StateLambda"
    MAP = "MapLambda"
    REDUCE = "ReduceLambda"


class Target(StrEnum):
    """The stateful resources a grant, a trigger or an environment variable points at."""

    INCOMING_STREAM = "IncomingDataStream"
    STATE_TABLE = "StateTable"
    REDUCE_TABLE = "ReduceTable"
    AGGREGATE_TABLE = "AggregateTable"
    PARAMETER_TABLE = "ParameterTable"
    DEAD_LETTER_QUEUE = "DeadLetterQueue"
    TRIGGER_FAILURE_QUEUE = "TriggerFailureQueue"


@dataclass(frozen=True)
class FunctionDefinition:
    """A function as every stage deploys it: code entry, size, and the names it reads."""

    handler: str
    timeout_seconds: int
    # Environment variable -> the resource whose physical name it carries.
    names: Mapping[str, Target]
    memory_mb: int = 256
    uses_dead_letters: bool = False
    # Workshop settings passed as they are (declared in template.yaml too, so that
    # `sam local invoke --env-vars` can change them when debugging).
    settings: Mapping[str, str] = field(default_factory=dict)

    @property
    def module_file(self) -> str:
        """The handler's module, which a built artifact must contain."""
        return self.handler.rsplit(".", 1)[0] + ".py"


FUNCTIONS: Mapping[FunctionId, FunctionDefinition] = {
    FunctionId.GENERATOR: FunctionDefinition(
        handler="generator_lambda.handler",
        timeout_seconds=55,
        names={
            "STREAM_NAME": Target.INCOMING_STREAM,
            "AGGREGATE_TABLE_NAME": Target.AGGREGATE_TABLE,
            "PARAMETER_TABLE_NAME": Target.PARAMETER_TABLE,
        },
        settings={"CHECK_DELAY_SECONDS": "30"},  # the workshop waits 30 s, then checks
    ),
    FunctionId.STATE: FunctionDefinition(
        handler="state_lambda.handler",
        timeout_seconds=180,
        names={
            "STATE_TABLE_NAME": Target.STATE_TABLE,
            "PARAMETER_TABLE_NAME": Target.PARAMETER_TABLE,
        },
        uses_dead_letters=True,
        settings={"MAX_MESSAGE_AGE_SECONDS": "60"},  # the workshop skips older messages
    ),
    FunctionId.MAP: FunctionDefinition(
        handler="map_lambda.handler",
        timeout_seconds=60,
        names={
            "REDUCE_TABLE_NAME": Target.REDUCE_TABLE,
            "PARAMETER_TABLE_NAME": Target.PARAMETER_TABLE,
        },
        uses_dead_letters=True,
    ),
    FunctionId.REDUCE: FunctionDefinition(
        handler="reduce_lambda.handler",
        timeout_seconds=30,
        names={
            "AGGREGATE_TABLE_NAME": Target.AGGREGATE_TABLE,
            "PARAMETER_TABLE_NAME": Target.PARAMETER_TABLE,
        },
        uses_dead_letters=True,
    ),
}


# The code path each function takes, by stage. The stack passes each value as the function's
# environment variable; the functions define the variables and the values they allow, and
# refuse anything else (functions/leda_pipeline/switches.py; tests/functions/test_switches.py
# holds this table to them). The broken stage's values are template.yaml's defaults. The first
# three stages keep the workshop's code, flaws included; hardened fixes what lab 2 leaves open.
_WORKSHOP_AS_SHIPPED: Mapping[FunctionId, Mapping[str, str]] = {
    FunctionId.GENERATOR: {"GENERATOR_REFUSED_RECORDS": "drop"},
    FunctionId.STATE: {"STATE_WRITE": "unconditional"},
    FunctionId.MAP: {"MAP_WRITE_ERRORS": "return-500"},
    FunctionId.REDUCE: {"REDUCE_IDEMPOTENCY": "none"},
}
SWITCHES: Mapping[Stage, Mapping[FunctionId, Mapping[str, str]]] = {
    Stage.BROKEN: _WORKSHOP_AS_SHIPPED,
    Stage.WIRED: _WORKSHOP_AS_SHIPPED,
    Stage.FAULT_TOLERANT: {
        FunctionId.GENERATOR: {"GENERATOR_REFUSED_RECORDS": "drop"},
        FunctionId.STATE: {"STATE_WRITE": "version-conditional"},
        FunctionId.MAP: {"MAP_WRITE_ERRORS": "return-500"},
        FunctionId.REDUCE: {"REDUCE_IDEMPOTENCY": "token"},
    },
    Stage.HARDENED: {
        FunctionId.GENERATOR: {"GENERATOR_REFUSED_RECORDS": "resend"},
        FunctionId.STATE: {"STATE_WRITE": "version-conditional-batched"},
        FunctionId.MAP: {"MAP_WRITE_ERRORS": "raise"},
        FunctionId.REDUCE: {"REDUCE_IDEMPOTENCY": "token-and-marker"},
    },
    # The workspace's own StateLambda and ReduceLambda read no switch; the other two run the
    # workshop's code as shipped.
    Stage.LAB: _WORKSHOP_AS_SHIPPED,
}


@dataclass(frozen=True)
class Grant:
    """Actions on one resource (or on its stream records, when `on_stream`)."""

    sid: str
    actions: tuple[str, ...]
    target: Target
    on_stream: bool = False


@dataclass(frozen=True)
class TriggerSpec:
    """An event source mapping: where records come from and how they are batched and retried."""

    function: FunctionId
    source: Target  # the Kinesis stream, or the table whose stream feeds the function
    batch_size: int
    starting_position: str
    batching_window_seconds: int = 0
    maximum_retry_attempts: int = -1  # -1: retry until the records expire
    maximum_record_age_seconds: int = -1
    bisect_on_error: bool = False
    parallelization_factor: int = 1
    on_failure: Target | None = None


@dataclass(frozen=True)
class StageModel:
    stage: Stage
    triggers: tuple[TriggerSpec, ...]
    reduce_table_stream: bool
    reserved_concurrency: Mapping[FunctionId, int]
    dead_letters: bool  # DEAD_LETTER_QUEUE_URL given to the functions that use it
    grants: Mapping[FunctionId, tuple[Grant, ...]] = field(default_factory=dict)
    # Function -> its code-path switches (environment variable -> value): SWITCHES[stage].
    switches: Mapping[FunctionId, Mapping[str, str]] = field(default_factory=dict)

    def trigger_of(self, function: FunctionId) -> TriggerSpec | None:
        return next((t for t in self.triggers if t.function is function), None)


# Reading a stream is the same four actions for every DynamoDB stream reader. ListStreams is
# granted on the stream ARN, as the workshop's policies do; Lambda's poller needs no more.
DYNAMODB_STREAM_READ = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
# kinesis:ListStreams is left out: it cannot be scoped to one stream (its resource is "*"), and
# a mapping on a known stream ARN does not need it.
KINESIS_READ = (
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
)
READ_PARAMETERS = Grant("ReadParameters", ("dynamodb:GetItem",), Target.PARAMETER_TABLE)
SEND_DEAD_LETTERS = Grant("SendDeadLetters", ("sqs:SendMessage",), Target.DEAD_LETTER_QUEUE)

# Map and Reduce are idempotent per *batch*: the batch hash names the ReduceTable item and
# the AggregateTable transaction. Their triggers must therefore hand over whole batches and
# retry them until they succeed: a bisected batch would hash differently (counted twice), a
# skipped one would lose its data. Hence no bisect, unlimited retries and record age, and one
# batch per shard at a time.
MAP_TRIGGER = TriggerSpec(
    function=FunctionId.MAP,
    source=Target.STATE_TABLE,
    batch_size=10_000,
    batching_window_seconds=3,
    starting_position="LATEST",
)
REDUCE_TRIGGER = TriggerSpec(
    function=FunctionId.REDUCE,
    source=Target.REDUCE_TABLE,
    batch_size=1_000,
    # The stream is switched on by the same update that adds this trigger: reading it from
    # its start loses no delta written while the mapping was being created.
    starting_position="TRIM_HORIZON",
)
# StateLambda is idempotent per *record* from lab 2 on (version-conditional writes), so in
# hardened its trigger may split a failing batch, give up after bounded retries and record what
# it gave up on; up to fault-tolerant it keeps the console defaults of lab 1, where one
# malformed record fails its batch until the record expires and its shard stands still.
STATE_TRIGGER_WIRED = TriggerSpec(
    function=FunctionId.STATE,
    source=Target.INCOMING_STREAM,
    batch_size=100,
    starting_position="LATEST",
)
STATE_TRIGGER_HARDENED = TriggerSpec(
    function=FunctionId.STATE,
    source=Target.INCOMING_STREAM,
    batch_size=100,
    starting_position="LATEST",
    maximum_retry_attempts=10,
    bisect_on_error=True,
    on_failure=Target.TRIGGER_FAILURE_QUEUE,
)


def _grants(stage: Stage) -> dict[FunctionId, tuple[Grant, ...]]:
    wired = stage not in (Stage.BROKEN, Stage.LAB)
    hardened = stage is Stage.HARDENED
    dead_letters = (SEND_DEAD_LETTERS,) if hardened else ()

    # The workshop writes each trade with UpdateItem (lab 2 adds a condition, no new action);
    # hardened only with PartiQL INSERT, then UPDATE ... WHERE Version < ?
    # (BatchExecuteStatement authorises each statement).
    state_writes = (
        ("dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate")
        if hardened
        else ("dynamodb:UpdateItem",)
    )
    state = (
        Grant("ReadIncomingStream", KINESIS_READ, Target.INCOMING_STREAM),
        Grant("WriteTrades", state_writes, Target.STATE_TABLE),
        READ_PARAMETERS,
        *dead_letters,
        *(
            (Grant("ReportFailedBatches", ("sqs:SendMessage",), Target.TRIGGER_FAILURE_QUEUE),)
            if hardened
            else ()
        ),
    )

    # The workshop hands ReduceLambda out with logs and ParameterTable only: lab 1 adds the
    # stream read and the aggregate update (lab 2's token needs no new action). The hardened
    # transaction also puts an applied-batch marker (PutItem) and reads it back when DynamoDB
    # answers ambiguously.
    aggregate_writes = ("dynamodb:UpdateItem",) + (
        ("dynamodb:PutItem", "dynamodb:GetItem") if hardened else ()
    )
    reduce = (
        READ_PARAMETERS,
        *(
            (
                Grant("ReadDeltaStream", DYNAMODB_STREAM_READ, Target.REDUCE_TABLE, on_stream=True),
                Grant("ApplyAggregates", aggregate_writes, Target.AGGREGATE_TABLE),
            )
            if wired
            else ()
        ),
        *dead_letters,
    )

    return {
        FunctionId.GENERATOR: (
            Grant("SendTrades", ("kinesis:PutRecords",), Target.INCOMING_STREAM),
            Grant("ReadAggregates", ("dynamodb:Scan",), Target.AGGREGATE_TABLE),
            Grant(
                "KeepScore",
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
                Target.PARAMETER_TABLE,
            ),
        ),
        FunctionId.STATE: state,
        FunctionId.MAP: (
            Grant("ReadStateStream", DYNAMODB_STREAM_READ, Target.STATE_TABLE, on_stream=True),
            Grant("WriteDeltas", ("dynamodb:PutItem",), Target.REDUCE_TABLE),
            READ_PARAMETERS,
            *dead_letters,
        ),
        FunctionId.REDUCE: reduce,
    }


def model(stage: Stage) -> StageModel:
    """The stage table: broken (handed out), wired (after lab 1), fault-tolerant (after lab 2),
    hardened (lab 3); lab is the handed-out stack until a workspace fills it in."""
    if stage in (Stage.BROKEN, Stage.LAB):
        triggers: tuple[TriggerSpec, ...] = (MAP_TRIGGER,)
    elif stage is Stage.HARDENED:
        triggers = (STATE_TRIGGER_HARDENED, MAP_TRIGGER, REDUCE_TRIGGER)
    else:
        triggers = (STATE_TRIGGER_WIRED, MAP_TRIGGER, REDUCE_TRIGGER)
    wired = stage not in (Stage.BROKEN, Stage.LAB)
    return StageModel(
        stage=stage,
        triggers=triggers,
        reduce_table_stream=wired,
        # One ReduceLambda at a time: concurrent transactions on the same aggregate items
        # would conflict (lab 1).
        reserved_concurrency={FunctionId.REDUCE: 1} if wired else {},
        dead_letters=stage is Stage.HARDENED,
        grants=_grants(stage),
        switches=SWITCHES[stage],
    )
