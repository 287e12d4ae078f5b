"""AggregateTable: one item per aggregate key, updated by ReduceLambda's transactions.

Exactly-once past the ClientRequestToken's 10 minutes: the fault-tolerant transaction also puts
an applied-batch marker under `attribute_not_exists`, so a batch replayed after DynamoDB has
forgotten its token is cancelled by the marker instead of being added twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from leda_pipeline.domain.hierarchy import MESSAGE_COUNT_KEY, is_aggregate_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MARKER_PREFIX = "applied-batch#"
# Stream records live 24 hours, so no batch can be replayed after that; markers are kept for
# twice as long, then removed by the table's TTL on this attribute.
MARKER_TTL_ATTRIBUTE = "ExpiresAt"
MARKER_LIFETIME_SECONDS = 2 * 24 * 3600
TRANSACTION_LIMIT = 100


class AggregateStore:
    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def apply(
        self,
        deltas: Mapping[str, Decimal],
        *,
        token: str | None = None,
        batch_marker: str | None = None,
    ) -> bool:
        """ADD every delta in one transaction; False when the batch was already applied."""
        items: list[Any] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {"Identifier": {"S": key}},
                    "UpdateExpression": "ADD #v :d",
                    "ExpressionAttributeNames": {"#v": "Value"},
                    "ExpressionAttributeValues": {":d": {"N": str(delta)}},
                }
            }
            for key, delta in sorted(deltas.items())
        ]
        if batch_marker is not None:
            items.append(self._marker_put(batch_marker))
        if not items:
            return True
        if len(items) > TRANSACTION_LIMIT:
            raise ValueError(f"{len(items)} updates exceed one transaction ({TRANSACTION_LIMIT})")
        request: dict[str, Any] = {"TransactItems": items}
        if token is not None:
            request["ClientRequestToken"] = token
        errors = self._client.exceptions
        try:
            self._client.transact_write_items(**request)
        except errors.TransactionCanceledException as cancelled:
            if batch_marker is not None and _marker_refused(cancelled.response):
                return False
            raise
        except errors.IdempotentParameterMismatchException:
            # Reported of DynamoDB Local for identical replays: trust the marker, not the error.
            if batch_marker is not None and self._marker_exists(batch_marker):
                return False
            raise
        return True

    def _marker_put(self, batch_marker: str) -> dict[str, Any]:
        expires = int(self._clock()) + MARKER_LIFETIME_SECONDS
        return {
            "Put": {
                "TableName": self._table,
                "Item": {
                    "Identifier": {"S": MARKER_PREFIX + batch_marker},
                    MARKER_TTL_ATTRIBUTE: {"N": str(expires)},
                },
                "ConditionExpression": "attribute_not_exists(Identifier)",
            }
        }

    def _marker_exists(self, batch_marker: str) -> bool:
        response = self._client.get_item(
            TableName=self._table,
            Key={"Identifier": {"S": MARKER_PREFIX + batch_marker}},
            ConsistentRead=True,
        )
        return "Item" in response

    def read(self) -> dict[str, Decimal]:
        """Every aggregate and the message count (markers left out), strongly consistent."""
        values: dict[str, Decimal] = {}
        paginator = self._client.get_paginator("scan")
        for page in paginator.paginate(TableName=self._table, ConsistentRead=True):
            for item in page.get("Items", []):
                key = item["Identifier"]["S"]
                if (is_aggregate_key(key) or key == MESSAGE_COUNT_KEY) and "Value" in item:
                    values[key] = Decimal(item["Value"]["N"])
        return values


def _marker_refused(response: Mapping[str, Any]) -> bool:
    """The marker is the last item: a ConditionalCheckFailed there means "already applied"."""
    reasons = response.get("CancellationReasons") or []
    return bool(reasons) and reasons[-1].get("Code") == "ConditionalCheckFailed"
