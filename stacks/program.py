"""The program: validate config, find the code, declare the pipeline, the reminders and their
alarms, export what a participant needs. The same function runs under `pulumi up` and under the
mocks (`stacks/mocks/run.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from stacks import artifacts, config, lab_workspace
from stacks.config import LedaConfig
from stacks.monitoring_component import Monitoring
from stacks.pipeline.component import AggregationPipeline, PipelineArgs
from stacks.reminders import model as reminder_model
from stacks.reminders.component import ReminderArgs, ReminderScheduling
from stacks.stage_model import model


@dataclass(frozen=True)
class Declared:
    config: LedaConfig
    pipeline: AggregationPipeline
    reminders: ReminderScheduling
    monitoring: Monitoring
    outputs: dict[str, pulumi.Output[str]]


def main(*, values: Mapping[str, str] | None = None, require_artifacts: bool = True) -> Declared:
    """Declare the stack; config and artifacts are checked before the first resource.

    `values` replaces the stack's config (mock runs pass theirs, so nothing leaks in from
    PULUMI_CONFIG* variables of the environment). `require_artifacts=False` is for describing a
    stage (`leda stage show`) before `sam build`: functions point where the artifacts will be.
    """
    stack = pulumi.get_stack()
    settings = config.from_pulumi() if values is None else config.load(values, stack)
    if require_artifacts:
        code = artifacts.locate(settings.artifacts_dir)
    else:
        code = artifacts.expected(settings.artifacts_dir)
    stage_model = model(settings.stage)
    overlays = {}
    if settings.lab_workspace is not None:
        workspace = lab_workspace.load(settings.lab_workspace)
        stage_model = workspace.model()
        overlays = {function: workspace.code_files() for function in lab_workspace.EDITED_FUNCTIONS}
    pipeline = AggregationPipeline(
        settings.name_prefix,
        PipelineArgs(
            model=stage_model,
            overlays=overlays,
            code=code,
            lambda_runtime=settings.lambda_runtime,
            shard_count=settings.shard_count,
            burst_calls=settings.burst_calls,
            burst_records_per_call=settings.burst_records_per_call,
        ),
    )
    # The same in every stage: the reminders do not take part in the labs.
    reminders = ReminderScheduling(
        settings.name_prefix,
        ReminderArgs(
            code=code[reminder_model.LOGICAL_ID],
            sender_email=settings.sender_email,
            default_timezone=settings.default_timezone,
            lambda_runtime=settings.lambda_runtime,
        ),
    )
    monitoring = Monitoring(
        settings.name_prefix, stage_model, settings.region, watched=[pipeline, reminders]
    )
    outputs: dict[str, pulumi.Output[str]] = {
        "stage": pulumi.Output.from_input(settings.stage.value),
        "namePrefix": pulumi.Output.from_input(settings.name_prefix),
        "region": pulumi.Output.from_input(settings.region),
        **pipeline.exports,
        **reminders.exports,
        **monitoring.exports,
    }
    for key, value in outputs.items():
        pulumi.export(key, value)
    return Declared(settings, pipeline, reminders, monitoring, outputs)
