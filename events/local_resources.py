"""Create, on DynamoDB Local and moto's server, the resources events/env.json names.

`sam local invoke --env-vars events/env.json` points the pipeline's functions at four tables,
the Kinesis stream and the dead-letter queue named there, and ReminderLambda at the appointments
table, its idempotency table, a schedule group and its failure and dead-letter queues; this
makes them. The tables take their shapes (keys, stream, TTL) from the Pulumi program's
stacks/tables.py, as the stack declares them in `--stage` (hardened by default, the stage
whose code paths env.json sets). Existing resources are left as they are. Run it from the
project root after starting the emulators (see README.md ("Debug one function")):

    .venv/bin/python events/local_resources.py [--dynamodb URL] [--moto URL] [--stage STAGE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import boto3

# Run as a script, only events/ is on the path: the project root is added for `stacks`.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from stacks import tables  # noqa: E402
from stacks.stage_model import Stage  # noqa: E402

ENV_FILE = Path(__file__).with_name("env.json")
REGION = "us-east-1"
# DynamoDB Local started without -sharedDb keeps one database per access key: use the
# project's local key (leda.cloud.credentials) unless the shell sets one.
LOCAL_KEY = "ledalocal"

DEFAULT_STAGE = Stage.HARDENED
# The variable naming each table -> the table's logical name in the stack.
TABLE_VARIABLES: dict[str, str] = {
    "STATE_TABLE_NAME": tables.STATE_TABLE.logical_name,
    "REDUCE_TABLE_NAME": tables.REDUCE_TABLE.logical_name,
    "AGGREGATE_TABLE_NAME": tables.AGGREGATE_TABLE.logical_name,
    "PARAMETER_TABLE_NAME": tables.PARAMETER_TABLE.logical_name,
    "APPOINTMENT_TABLE_NAME": tables.APPOINTMENT_TABLE.logical_name,
    "IDEMPOTENCY_TABLE_NAME": tables.REMINDER_IDEMPOTENCY_TABLE.logical_name,
}
# Variables naming a queue: by URL (the functions send to it) or by ARN (a schedule's target
# dead-letter queue, which Scheduler sends to). Both end with the queue's name.
QUEUE_URLS = ("DEAD_LETTER_QUEUE_URL", "FAILURE_QUEUE_URL")
QUEUE_ARNS = ("TARGET_DEAD_LETTER_QUEUE_ARN",)


def named_values(env: Mapping[str, Mapping[str, str]]) -> dict[str, set[str]]:
    """Every value env.json gives each variable, over all functions."""
    values: dict[str, set[str]] = {}
    for variables in env.values():
        for name, value in variables.items():
            values.setdefault(name, set()).add(value)
    return values


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", LOCAL_KEY),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", LOCAL_KEY),
    )


def table_shapes(stage: Stage) -> dict[str, tables.TableShape]:
    """Table variable -> the shape the stack gives that table in the stage."""
    declared = {shape.logical_name: shape for shape in tables.declared(stage)}
    return {variable: declared[logical] for variable, logical in TABLE_VARIABLES.items()}


def create_tables(
    dynamodb: Any, values: Mapping[str, set[str]], stage: Stage = DEFAULT_STAGE
) -> list[str]:
    existing = {
        name
        for page in dynamodb.get_paginator("list_tables").paginate()
        for name in page["TableNames"]
    }
    created = []
    for variable, shape in table_shapes(stage).items():
        for name in sorted(values.get(variable, set()) - existing):
            dynamodb.create_table(**shape.create_table_request(name))
            time_to_live = shape.time_to_live_request(name)
            if time_to_live is not None:
                dynamodb.update_time_to_live(**time_to_live)
            created.append(name)
    return created


def create_streams(kinesis: Any, values: Mapping[str, set[str]]) -> list[str]:
    # Asked by name rather than listed: moto's ListStreams answers ten names a page with
    # HasMoreStreams but no NextToken, so botocore's paginator stops after the first page.
    created = []
    for name in sorted(values.get("STREAM_NAME", set())):
        try:
            kinesis.describe_stream_summary(StreamName=name)
        except kinesis.exceptions.ResourceNotFoundException:
            kinesis.create_stream(StreamName=name, ShardCount=1)
            created.append(name)
    return created


def create_queues(sqs: Any, values: Mapping[str, set[str]]) -> list[str]:
    # A queue URL ends with /<name> (moto answers for any host in front of it), an ARN with :<name>.
    names = {
        url.rstrip("/").rsplit("/", 1)[-1]
        for variable in QUEUE_URLS
        for url in values.get(variable, set())
    }
    names |= {
        arn.rsplit(":", 1)[-1] for variable in QUEUE_ARNS for arn in values.get(variable, set())
    }
    for name in sorted(names):
        sqs.create_queue(QueueName=name)  # idempotent for the same attributes
    return sorted(names)


def create_schedule_groups(scheduler: Any, values: Mapping[str, set[str]]) -> list[str]:
    existing = {
        group["Name"]
        for page in scheduler.get_paginator("list_schedule_groups").paginate()
        for group in page["ScheduleGroups"]
    }
    created = []
    for name in sorted(values.get("SCHEDULE_GROUP_NAME", set()) - existing):
        scheduler.create_schedule_group(Name=name)
        created.append(name)
    return created


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create the resources env.json names.")
    parser.add_argument("--dynamodb", default="http://localhost:8000", help="DynamoDB Local")
    parser.add_argument("--moto", default="http://localhost:5000", help="moto server")
    parser.add_argument("--env-file", type=Path, default=ENV_FILE)
    parser.add_argument(
        "--stage",
        choices=[stage.value for stage in Stage],
        default=DEFAULT_STAGE.value,
        help="the stage whose tables to make (ReduceTable has a stream from wired on)",
    )
    args = parser.parse_args(argv)
    values = named_values(json.loads(args.env_file.read_text()))
    created_tables = create_tables(_client("dynamodb", args.dynamodb), values, Stage(args.stage))
    streams = create_streams(_client("kinesis", args.moto), values)
    queues = create_queues(_client("sqs", args.moto), values)
    groups = create_schedule_groups(_client("scheduler", args.moto), values)
    print(f"tables created: {', '.join(created_tables) or 'none (all there)'}")
    print(f"streams created: {', '.join(streams) or 'none (all there)'}")
    print(f"queues ready: {', '.join(queues) or 'none named'}")
    print(f"schedule groups created: {', '.join(groups) or 'none (all there)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
