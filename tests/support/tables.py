"""The pipeline's tables, created on DynamoDB Local with the workshop's keys and streams.

The Pulumi program declares the same tables for AWS; these tests of the functions need only
their keys and streams, under names unique to each test.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PipelineTables:
    state: str
    reduce: str
    aggregate: str
    parameter: str

    def environment(self) -> dict[str, str]:
        return {
            "STATE_TABLE_NAME": self.state,
            "REDUCE_TABLE_NAME": self.reduce,
            "AGGREGATE_TABLE_NAME": self.aggregate,
            "PARAMETER_TABLE_NAME": self.parameter,
        }


def _create(client: Any, name: str, key: str, stream: bool) -> None:
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
    client.create_table(**request)


def create_pipeline_tables(client: Any) -> PipelineTables:
    suffix = uuid.uuid4().hex[:8]
    tables = PipelineTables(
        state=f"StateTable-{suffix}",
        reduce=f"ReduceTable-{suffix}",
        aggregate=f"AggregateTable-{suffix}",
        parameter=f"ParameterTable-{suffix}",
    )
    _create(client, tables.state, "id", stream=True)
    _create(client, tables.reduce, "MessageId", stream=True)
    _create(client, tables.aggregate, "Identifier", stream=False)
    _create(client, tables.parameter, "parameter", stream=False)
    return tables


def create_appointment_table(client: Any, *, stream: bool = True) -> str:
    """The reminders' table (PK, SK; a NEW_AND_OLD_IMAGES stream), under a unique name."""
    name = f"Appointment-Table-{uuid.uuid4().hex[:8]}"
    request: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
    }
    if stream:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
    client.create_table(**request)
    return name


def create_idempotency_table(client: Any) -> str:
    """Powertools' idempotency records (key `id`), under a unique name."""
    name = f"Idempotency-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    return name
