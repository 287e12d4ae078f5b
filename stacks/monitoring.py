"""What a participant's stack watches: CloudWatch alarms and one dashboard, as plain records.

The alarms are the ones AWS's Lambda, SQS and Scheduler guides recommend for this design, and
the reminders blog names InvocationAttemptCount for the schedules:

- each stream trigger's IteratorAge (Lambda, per function): records waiting longer than the
  workshop's own patience, the generator's 30 s check, twice over; a trigger retrying a batch
  it cannot process shows here first;
- each function's Errors and Throttles: any in a minute (lab 2 injects failures on purpose, so
  the Errors alarms are expected to fire there: that is the lesson, in the console);
- the visible messages of every dead-letter and failure queue: any message is something lost
  to the pipeline until someone looks (or `leda redrive`s it);
- the schedule group's TargetErrorCount and InvocationDroppedCount: a reminder that failed to
  send, or was given up on.

Everything is computed from the participant's prefix and the stage model, so a test can check
each alarm's metric, dimensions, statistic and threshold without running Pulumi, and
`leda stage show` lists the same records the stack declares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stacks import naming
from stacks.naming import Names
from stacks.stage_model import FUNCTIONS, StageModel, Target

PERIOD_SECONDS = 60
ITERATOR_AGE_THRESHOLD_MS = 60_000  # twice the generator's 30 s check
ITERATOR_AGE_PERIODS = 3  # three minutes in a row: a backlog, not one slow batch
PIPELINE_QUEUES = (Target.DEAD_LETTER_QUEUE, Target.TRIGGER_FAILURE_QUEUE)
REMINDER_QUEUES = (naming.REMINDER_FAILURE_QUEUE, naming.REMINDER_DEAD_LETTER_QUEUE)
DASHBOARD = "Dashboard"


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch metric alarm, in the terms of PutMetricAlarm."""

    logical: str  # `<Subject><Metric>Alarm`; the physical name is `<prefix>-<logical>`
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    threshold: float
    comparison: str
    evaluation_periods: int = 1
    period_seconds: int = PERIOD_SECONDS
    # No data is normal here (an idle queue publishes zeros, an idle function nothing).
    treat_missing_data: str = "notBreaching"
    description: str = ""


def _function_alarms(names: Names, function: str, triggered: bool) -> list[AlarmSpec]:
    dimensions = (("FunctionName", names.function(function)),)
    found = [
        AlarmSpec(
            f"{function}ErrorsAlarm",
            "AWS/Lambda",
            "Errors",
            dimensions,
            "Sum",
            0,
            "GreaterThanThreshold",
            description=f"{function} failed an invocation (its trigger retries the batch)",
        ),
        AlarmSpec(
            f"{function}ThrottlesAlarm",
            "AWS/Lambda",
            "Throttles",
            dimensions,
            "Sum",
            0,
            "GreaterThanThreshold",
            description=f"{function} was throttled (reserved or account concurrency reached)",
        ),
    ]
    if triggered:
        found.append(
            AlarmSpec(
                f"{function}IteratorAgeAlarm",
                "AWS/Lambda",
                "IteratorAge",
                dimensions,
                "Maximum",
                ITERATOR_AGE_THRESHOLD_MS,
                "GreaterThanThreshold",
                evaluation_periods=ITERATOR_AGE_PERIODS,
                description=f"{function}'s trigger is more than 60 s behind its stream",
            )
        )
    return found


def _queue_alarm(names: Names, logical: str) -> AlarmSpec:
    return AlarmSpec(
        f"{logical}MessagesAlarm",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        (("QueueName", names.of(logical)),),
        "Maximum",
        0,
        "GreaterThanThreshold",
        description=f"{logical} holds messages: records given up on (leda redrive)",
    )


def alarms(prefix: str, model: StageModel) -> list[AlarmSpec]:
    """Every alarm of a participant's stack in this stage, in a stable order."""
    names = Names(prefix)
    triggered = {trigger.function.value for trigger in model.triggers}
    found: list[AlarmSpec] = []
    for function in FUNCTIONS:
        found += _function_alarms(names, function.value, function.value in triggered)
    found += _function_alarms(names, naming.REMINDER_FUNCTION, triggered=True)
    found += [_queue_alarm(names, target.value) for target in PIPELINE_QUEUES]
    found += [_queue_alarm(names, logical) for logical in REMINDER_QUEUES]
    group = (("ScheduleGroup", names.schedule_group()),)
    found += [
        AlarmSpec(
            "ReminderTargetErrorsAlarm",
            "AWS/Scheduler",
            "TargetErrorCount",
            group,
            "Sum",
            0,
            "GreaterThanThreshold",
            description="a reminder's SES call failed (Scheduler retries, then dead-letters)",
        ),
        AlarmSpec(
            "ReminderDroppedAlarm",
            "AWS/Scheduler",
            "InvocationDroppedCount",
            group,
            "Sum",
            0,
            "GreaterThanThreshold",
            description="Scheduler gave up on a reminder after its retry policy",
        ),
    ]
    return found


def dashboard_body(prefix: str, model: StageModel, region: str) -> str:
    """One dashboard: a graph per alarm's metric, plus the schedules' InvocationAttemptCount."""
    names = Names(prefix)
    widgets: list[dict[str, Any]] = []
    specs = alarms(prefix, model)
    attempts = (
        "AWS/Scheduler",
        "InvocationAttemptCount",
        "ScheduleGroup",
        names.schedule_group(),
    )
    metrics = [
        (
            spec.logical.removesuffix("Alarm"),
            [spec.namespace, spec.metric, *spec.dimensions[0]],
            spec.statistic,
        )
        for spec in specs
    ] + [("ReminderInvocationAttempts", list(attempts), "Sum")]
    for index, (title, metric, statistic) in enumerate(metrics):
        widgets.append(
            {
                "type": "metric",
                "x": (index % 3) * 8,
                "y": (index // 3) * 6,
                "width": 8,
                "height": 6,
                "properties": {
                    "title": title,
                    "metrics": [metric],
                    "stat": statistic,
                    "period": PERIOD_SECONDS,
                    "region": region,
                    "view": "timeSeries",
                },
            }
        )
    return json.dumps({"widgets": widgets}, sort_keys=True)
