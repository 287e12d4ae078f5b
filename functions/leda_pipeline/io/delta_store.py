"""ReduceTable: one pre-aggregated delta per MapLambda batch, keyed by the batch's digest."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DeltaStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put_once(self, message_id: str, message: str) -> bool:
        """Write the batch's delta unless it is already there; False if it was (a retry)."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item={"MessageId": {"S": message_id}, "Message": {"S": message}},
                ConditionExpression="attribute_not_exists(MessageId)",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
