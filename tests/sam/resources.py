"""What a sample event left behind in the emulators, read back for the tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.support.queues import drain


def items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    return [item for page in pages for item in page["Items"]]


def aggregates(dynamodb: Any, table: str) -> dict[str, Decimal]:
    """AggregateTable as key -> Value, leaving out items without a Value (batch markers)."""
    return {
        item["Identifier"]["S"]: Decimal(item["Value"]["N"])
        for item in items(dynamodb, table)
        if "Value" in item
    }


def dead_letters(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    return drain(sqs, queue_url)


def decimals(mapping: dict[str, str]) -> dict[str, Decimal]:
    return {key: Decimal(value) for key, value in mapping.items()}
