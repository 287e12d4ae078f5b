"""The aggregation pipeline of one participant, as a Pulumi component.

Stateful resources (the Kinesis stream, the four tables, the two queues, the log groups) are
declared identically in every stage, so moving a stack between stages updates them in place;
only ReduceTable's stream is switched on (an in-place update). The tables' shapes come from
stacks/tables.py. Everything a stage changes comes from the `StageModel`: triggers, concurrency,
permissions and the functions' code-path switches.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from stacks import naming, parts
from stacks.naming import Names, output_key
from stacks.pipeline import policies
from stacks.stage_model import (
    FUNCTIONS,
    FunctionId,
    StageModel,
    Target,
    TriggerSpec,
)
from stacks.tables import pipeline_tables

with warnings.catch_warnings():
    # Importing pulumi-aws's Lambda module warns about a deprecated resource this program does
    # not use; keep that noise out of every run and test report.
    warnings.filterwarnings("ignore", "aws.lambda/microvmsimage", DeprecationWarning)
    _ = aws.lambda_.Function  # pulumi-aws loads its modules lazily: load this one now

COMPONENT_TYPE = "leda:pipeline:AggregationPipeline"
KINESIS_RETENTION_HOURS = 24
QUEUES = (Target.DEAD_LETTER_QUEUE, Target.TRIGGER_FAILURE_QUEUE)


@dataclass(frozen=True)
class PipelineArgs:
    model: StageModel
    code: Mapping[str, Path]  # one `sam build` folder per function, by LogicalId
    lambda_runtime: str = "python3.11"
    shard_count: int = 20
    burst_calls: int = 250
    burst_records_per_call: int = 40
    # Files laid over a function's build folder, by function (a lab workspace's code).
    overlays: Mapping[FunctionId, Mapping[str, Path]] = field(default_factory=dict)


class AggregationPipeline(pulumi.ComponentResource):
    """Kinesis -> StateLambda -> StateTable -> MapLambda -> ReduceTable -> ReduceLambda.

    The component's name is the participant's name prefix; every child's logical and physical
    name is `<prefix>-<LogicalName>`.
    """

    exports: dict[str, pulumi.Output[str]]  # every name and URL a participant needs

    def __init__(
        self, name: str, args: PipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if not naming.PREFIX_PATTERN.fullmatch(name):
            raise ValueError(f"component name {name!r}: {naming.PREFIX_CHARACTERS}")
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self._names = Names(name)
        self._args = args
        self._tags = {"project": "leda", "leda-participant": name}

        self.stream = self._incoming_stream()
        self.tables = {
            target: parts.table(self._names, shape, self._tags, self)
            for target, shape in pipeline_tables(args.model).items()
        }
        self.queues = {target: self._queue(target) for target in QUEUES}
        self.functions: dict[FunctionId, aws.lambda_.Function] = {}
        self.role_policies: dict[FunctionId, aws.iam.RolePolicy] = {}
        for function in FunctionId:
            self._function(function)
        for trigger in args.model.triggers:
            self._trigger(trigger)
        self._schedule()

        self.exports = self._exports()
        self.register_outputs(dict(self.exports))

    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on) or None)

    # --- stateful: the same in every stage -------------------------------------------------

    def _incoming_stream(self) -> aws.kinesis.Stream:
        name = self._names.target(Target.INCOMING_STREAM)
        return aws.kinesis.Stream(
            name,
            name=name,
            shard_count=self._args.shard_count,
            retention_period=KINESIS_RETENTION_HOURS,
            encryption_type="KMS",
            kms_key_id="alias/aws/kinesis",
            stream_mode_details={"stream_mode": "PROVISIONED"},
            tags=self._tags,
            opts=self._child(),
        )

    def _queue(self, target: Target) -> aws.sqs.Queue:
        # Both queues exist in every stage, so going back from hardened never deletes a queue
        # holding messages; only the hardened stage sends to them.
        return parts.queue(self._names.target(target), self._tags, self)

    # --- functions --------------------------------------------------------------------------

    def _arns(self) -> dict[Target, pulumi.Output[str]]:
        arns: dict[Target, pulumi.Output[str]] = {Target.INCOMING_STREAM: self.stream.arn}
        arns.update({target: table.arn for target, table in self.tables.items()})
        arns.update({target: queue.arn for target, queue in self.queues.items()})
        return arns

    def _environment(self, function: FunctionId) -> dict[str, pulumi.Input[str]]:
        spec = FUNCTIONS[function]
        model = self._args.model
        names: dict[Target, pulumi.Output[str]] = {Target.INCOMING_STREAM: self.stream.name}
        names.update({target: table.name for target, table in self.tables.items()})
        variables: dict[str, pulumi.Input[str]] = dict(model.switches.get(function, {}))
        variables.update(spec.settings)
        variables.update({variable: names[target] for variable, target in spec.names.items()})
        if spec.uses_dead_letters and model.dead_letters:
            variables["DEAD_LETTER_QUEUE_URL"] = self.queues[Target.DEAD_LETTER_QUEUE].url
        if function is FunctionId.GENERATOR:
            variables["BURST_CALLS"] = str(self._args.burst_calls)
            variables["BURST_RECORDS_PER_CALL"] = str(self._args.burst_records_per_call)
        return variables

    def _function(self, function: FunctionId) -> None:
        spec = FUNCTIONS[function]
        model = self._args.model
        declared = parts.function(
            self._names,
            function.value,
            parts.FunctionCode(
                handler=spec.handler,
                code=self._args.code[function],
                runtime=self._args.lambda_runtime,
                memory_mb=spec.memory_mb,
                timeout_seconds=spec.timeout_seconds,
                reserved_concurrency=model.reserved_concurrency.get(function),
                overlay=self._args.overlays.get(function, {}),
            ),
            policy=lambda log_group_arn: policies.policy_json(
                model.grants[function], self._arns(), log_group_arn
            ),
            environment=self._environment(function),
            tags=self._tags,
            parent=self,
        )
        self.role_policies[function] = declared.policy
        self.functions[function] = declared.function

    def _trigger(self, trigger: TriggerSpec) -> None:
        function = trigger.function
        if trigger.source is Target.INCOMING_STREAM:
            source_arn = self.stream.arn
        else:
            source_arn = self.tables[trigger.source].stream_arn
        on_failure = (
            {"on_failure": {"destination_arn": self.queues[trigger.on_failure].arn}}
            if trigger.on_failure is not None
            else None
        )
        # Batch size, window, retries and bisect come from the stage model, where each trigger
        # says why: Map and Reduce are idempotent per batch, so they keep whole batches and
        # retry until success; StateLambda is idempotent per record.
        aws.lambda_.EventSourceMapping(
            self._names.trigger(function),
            function_name=self.functions[function].name,
            event_source_arn=source_arn,
            batch_size=trigger.batch_size,
            maximum_batching_window_in_seconds=trigger.batching_window_seconds,
            starting_position=trigger.starting_position,
            maximum_retry_attempts=trigger.maximum_retry_attempts,
            maximum_record_age_in_seconds=trigger.maximum_record_age_seconds,
            bisect_batch_on_function_error=trigger.bisect_on_error,
            parallelization_factor=trigger.parallelization_factor,
            destination_config=on_failure,
            # Lambda checks at creation that the role may read the source.
            opts=self._child(self.role_policies[function]),
        )

    def _schedule(self) -> None:
        names = self._names
        generator = self.functions[FunctionId.GENERATOR]
        rule = aws.cloudwatch.EventRule(
            names.of(naming.SCHEDULE),
            name=names.of(naming.SCHEDULE),
            schedule_expression="rate(1 minute)",
            tags=self._tags,
            opts=self._child(),
        )
        permission = aws.lambda_.Permission(
            names.of(naming.SCHEDULE_PERMISSION),
            action="lambda:InvokeFunction",
            function=generator.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            statement_id="AllowGeneratorSchedule",
            opts=self._child(),
        )
        aws.cloudwatch.EventTarget(
            names.of(naming.SCHEDULE_TARGET),
            rule=rule.name,
            arn=generator.arn,
            target_id=FunctionId.GENERATOR.value,
            opts=self._child(permission),
        )

    # --- what a participant needs ------------------------------------------------------------

    def _exports(self) -> dict[str, pulumi.Output[str]]:
        outputs: dict[str, pulumi.Output[str]] = {
            output_key(Target.INCOMING_STREAM.value, "Name"): self.stream.name
        }
        for target, table in self.tables.items():
            outputs[output_key(target.value, "Name")] = table.name
        for target, queue in self.queues.items():
            outputs[output_key(target.value, "Name")] = queue.name
            outputs[output_key(target.value, "Url")] = queue.url
        for function, resource in self.functions.items():
            outputs[output_key(function.value, "Name")] = resource.name
        return outputs
