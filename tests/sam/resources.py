"""What a sample event left behind in the emulators, read back for the tests."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


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
    """Every message on the queue, parsed (the queue is the test's own, so it can be drained)."""
    letters: list[dict[str, Any]] = []
    while True:
        response = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        )
        messages = response.get("Messages", [])
        if not messages:
            return letters
        for message in messages:
            letters.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def decimals(mapping: dict[str, str]) -> dict[str, Decimal]:
    return {key: Decimal(value) for key, value in mapping.items()}
