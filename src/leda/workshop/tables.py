"""The game's two tables as the referee and the live view read them, with plain DynamoDB calls.

AggregateTable: one item per key, `Identifier` and a numeric `Value`. ParameterTable: one item per
game parameter, `parameter` and a numeric `value`; a missing one means 0. Read strongly
consistent, as the workshop's functions do.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from leda.workshop.ledger import COUNT_KEY, KEYS

SCORE = "SCORE"
# What the generator writes when the score reaches 300, and `--lab2` writes at the start.
LAB2_PARAMETERS: dict[str, int] = {
    "SPECIAL_TRADES": 1,
    "FAILURE_STATE_LAMBDA_PCT": 5,
    "FAILURE_MAP_LAMBDA_PCT": 10,
    "FAILURE_REDUCE_LAMBDA_PCT": 10,
}
_READ_KEYS = frozenset((*KEYS, COUNT_KEY))


def read_aggregates(dynamodb: Any, table: str) -> dict[str, Decimal]:
    """Every aggregate key and the message count (anything else in the table left out)."""
    values: dict[str, Decimal] = {}
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page.get("Items", []):
            key = item.get("Identifier", {}).get("S")
            if key in _READ_KEYS and "N" in item.get("Value", {}):
                values[key] = Decimal(item["Value"]["N"])
    return values


def read_parameter(dynamodb: Any, table: str, name: str) -> Decimal:
    item = dynamodb.get_item(
        TableName=table, Key={"parameter": {"S": name}}, ConsistentRead=True
    ).get("Item")
    return Decimal(item["value"]["N"]) if item and "value" in item else Decimal(0)


def write_parameter(dynamodb: Any, table: str, name: str, value: int | Decimal) -> None:
    dynamodb.put_item(TableName=table, Item={"parameter": {"S": name}, "value": {"N": str(value)}})
