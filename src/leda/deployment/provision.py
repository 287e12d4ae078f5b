"""Bringing a plan's stateful resources to life on the emulators, in place.

Tables, the Kinesis stream and the queues are created when missing and updated when a stage
changes them (a stream switched on), never replaced, so moving a local stack from one stage to
the next keeps its data, as `pulumi up` does on AWS. Declared ARNs and URLs are translated to
the emulators' own.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from leda.deployment.plan import LocalPlan, QueuePlan, StreamPlan, TablePlan

SENDER_OUTPUT = "senderEmail"  # the stack's export of leda:senderEmail


@dataclass
class LocalResources:
    translation: dict[str, str] = field(default_factory=dict)  # declared -> local
    table_streams: dict[str, str] = field(default_factory=dict)  # table name -> stream ARN
    queue_urls: dict[str, str] = field(default_factory=dict)  # queue name -> URL
    stream_arns: dict[str, str] = field(default_factory=dict)  # Kinesis stream name -> ARN

    def local(self, declared: str) -> str:
        return self.translation.get(declared, declared)


def _table(dynamodb: Any, plan: TablePlan, resources: LocalResources) -> None:
    try:
        table = dynamodb.describe_table(TableName=plan.name)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException:
        keys = [(plan.hash_key, "HASH")]
        if plan.range_key:
            keys.append((plan.range_key, "RANGE"))
        request: dict[str, Any] = {
            "TableName": plan.name,
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": plan.attribute_types.get(name, "S")}
                for name, _ in keys
            ],
            "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in keys],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if plan.stream_view:
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": plan.stream_view,
            }
        table = dynamodb.create_table(**request)["TableDescription"]
    else:
        enabled = bool(table.get("StreamSpecification", {}).get("StreamEnabled"))
        if enabled != bool(plan.stream_view):
            spec: dict[str, Any] = {"StreamEnabled": bool(plan.stream_view)}
            if plan.stream_view:
                spec["StreamViewType"] = plan.stream_view
            table = dynamodb.update_table(TableName=plan.name, StreamSpecification=spec)[
                "TableDescription"
            ]
    if plan.ttl_attribute:
        status = dynamodb.describe_time_to_live(TableName=plan.name)["TimeToLiveDescription"]
        if status.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(
                TableName=plan.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": plan.ttl_attribute},
            )
    resources.translation[plan.declared_arn] = table["TableArn"]
    stream_arn = table.get("LatestStreamArn") if plan.stream_view else None
    if stream_arn:
        resources.table_streams[plan.name] = stream_arn
        resources.translation[plan.declared_stream_arn] = stream_arn


def _stream(kinesis: Any, plan: StreamPlan, resources: LocalResources) -> None:
    try:
        kinesis.describe_stream_summary(StreamName=plan.name)
    except kinesis.exceptions.ResourceNotFoundException:
        kinesis.create_stream(StreamName=plan.name, ShardCount=plan.shards)
    deadline = time.time() + 30
    while True:
        summary = kinesis.describe_stream_summary(StreamName=plan.name)["StreamDescriptionSummary"]
        if summary["StreamStatus"] == "ACTIVE" or time.time() > deadline:
            break
        time.sleep(0.1)
    resources.stream_arns[plan.name] = summary["StreamARN"]
    resources.translation[plan.declared_arn] = summary["StreamARN"]


def _queue(sqs: Any, plan: QueuePlan, resources: LocalResources) -> None:
    url: str = sqs.create_queue(QueueName=plan.name)["QueueUrl"]
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    resources.queue_urls[plan.name] = url
    resources.translation[plan.declared_url] = url
    resources.translation[plan.declared_arn] = arn


def _schedule_group(scheduler: Any, name: str) -> None:
    # Already there from an earlier run against the same emulator: fine.
    with contextlib.suppress(scheduler.exceptions.ConflictException):
        scheduler.create_schedule_group(Name=name)


def provision(
    plan: LocalPlan,
    dynamodb: Any,
    kinesis: Any,
    sqs: Any,
    scheduler: Any = None,
    ses: Any = None,
) -> LocalResources:
    resources = LocalResources()
    for table in plan.tables:
        _table(dynamodb, table, resources)
    for stream in plan.streams:
        _stream(kinesis, stream, resources)
    for queue in plan.queues:
        _queue(sqs, queue, resources)
    if scheduler is not None:
        for group in plan.schedule_groups:
            _schedule_group(scheduler, group)
    sender = plan.outputs.get(SENDER_OUTPUT)
    if ses is not None and sender:
        # On AWS the participant verifies the sender identity in SES before the first
        # reminder; offline the same step is done here (moto refuses mail from anyone else).
        ses.verify_email_identity(EmailAddress=str(sender))
    return resources
