"""Create, on DynamoDB Local and moto's server, the resources events/env.json names.

`sam local invoke --env-vars events/env.json` points every function at four tables, the Kinesis
stream and the dead-letter queue named there; this makes them, with the workshop's keys and
streams. Existing resources are left as they are. Run it from the project root after starting
the emulators (see README.md ("Debug one function")):

    .venv/bin/python events/local_resources.py [--dynamodb URL] [--moto URL]
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

ENV_FILE = Path(__file__).with_name("env.json")
REGION = "us-east-1"
# DynamoDB Local started without -sharedDb keeps one database per access key: use the
# project's local key (leda.emulators.credentials) unless the shell sets one.
LOCAL_KEY = "ledalocal"

# Table variable -> (key attribute, has a NEW_AND_OLD_IMAGES stream).
TABLES: dict[str, tuple[str, bool]] = {
    "STATE_TABLE_NAME": ("id", True),
    "REDUCE_TABLE_NAME": ("MessageId", True),
    "AGGREGATE_TABLE_NAME": ("Identifier", False),
    "PARAMETER_TABLE_NAME": ("parameter", False),
}


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


def create_tables(dynamodb: Any, values: Mapping[str, set[str]]) -> list[str]:
    existing = {
        name
        for page in dynamodb.get_paginator("list_tables").paginate()
        for name in page["TableNames"]
    }
    created = []
    for variable, (key, stream) in TABLES.items():
        for name in sorted(values.get(variable, set()) - existing):
            request: dict[str, Any] = {
                "TableName": name,
                "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            }
            if stream:
                request["StreamSpecification"] = {
                    "StreamEnabled": True,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                }
            dynamodb.create_table(**request)
            created.append(name)
    return created


def create_streams(kinesis: Any, values: Mapping[str, set[str]]) -> list[str]:
    existing = {
        name
        for page in kinesis.get_paginator("list_streams").paginate()
        for name in page["StreamNames"]
    }
    created = []
    for name in sorted(values.get("STREAM_NAME", set()) - existing):
        kinesis.create_stream(StreamName=name, ShardCount=1)
        created.append(name)
    return created


def create_queues(sqs: Any, values: Mapping[str, set[str]]) -> list[str]:
    # A queue URL ends with the queue's name; moto answers for any host in front of it.
    urls = values.get("DEAD_LETTER_QUEUE_URL", set())
    names = sorted({url.rstrip("/").rsplit("/", 1)[-1] for url in urls})
    for name in names:
        sqs.create_queue(QueueName=name)  # idempotent for the same attributes
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create the resources env.json names.")
    parser.add_argument("--dynamodb", default="http://localhost:8000", help="DynamoDB Local")
    parser.add_argument("--moto", default="http://localhost:5000", help="moto server")
    parser.add_argument("--env-file", type=Path, default=ENV_FILE)
    args = parser.parse_args(argv)
    values = named_values(json.loads(args.env_file.read_text()))
    tables = create_tables(_client("dynamodb", args.dynamodb), values)
    streams = create_streams(_client("kinesis", args.moto), values)
    queues = create_queues(_client("sqs", args.moto), values)
    print(f"tables created: {', '.join(tables) or 'none (all there)'}")
    print(f"streams created: {', '.join(streams) or 'none (all there)'}")
    print(f"queues ready: {', '.join(queues) or 'none named'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
