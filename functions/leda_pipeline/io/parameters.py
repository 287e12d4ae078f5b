"""ParameterTable: the game state every function reads (failure rates, special trades, score)."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_AGE_SECONDS = 1.0


class ParameterTable:
    """Strongly consistent reads, each value cached for at most a second.

    A second is short enough that a switch to lab 2 reaches every function within the next
    batch, and long enough that a busy container stops paying a read per invocation.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._table = table_name
        self._max_age = max_age
        self._clock = clock
        self._cache: dict[str, tuple[float, Decimal]] = {}

    def get(self, name: str) -> Decimal:
        """The parameter's value; a missing parameter means 0, as in the workshop."""
        now = self._clock()
        cached = self._cache.get(name)
        if cached is not None and now - cached[0] < self._max_age:
            return cached[1]
        response = self._client.get_item(
            TableName=self._table,
            Key={"parameter": {"S": name}},
            ConsistentRead=True,
            ProjectionExpression="#v",
            ExpressionAttributeNames={"#v": "value"},
        )
        raw = response.get("Item", {}).get("value", {}).get("N")
        value = Decimal(raw) if raw is not None else Decimal(0)
        self._cache[name] = (now, value)
        return value

    def put(self, name: str, value: Decimal | int) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={"parameter": {"S": name}, "value": {"N": str(value)}},
        )
        self._cache.pop(name, None)

    def add(self, name: str, delta: Decimal | int) -> Decimal:
        """Atomically add to a parameter and return its new value."""
        response = self._client.update_item(
            TableName=self._table,
            Key={"parameter": {"S": name}},
            UpdateExpression="ADD #v :d",
            ExpressionAttributeNames={"#v": "value"},
            ExpressionAttributeValues={":d": {"N": str(delta)}},
            ReturnValues="UPDATED_NEW",
        )
        self._cache.pop(name, None)
        return Decimal(response["Attributes"]["value"]["N"])
