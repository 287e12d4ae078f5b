"""The shape of every table the stack declares, written once: keys, stream and TTL.

Both components build their `aws.dynamodb.Table` from these (`parts.table`). Whatever else
creates the same tables takes its shapes from here too: `events/local_resources.py` (the tables
`sam local invoke` points the functions at) and the tests' helpers (`tests/support/tables.py`);
`tests/stacks/test_tables.py` holds all of them to what the program declares, in every stage.
Every table is on-demand, so a shape carries no capacity. ReduceTable is the one table whose
shape depends on the stage: its stream is switched on by lab 1 (`StageModel.reduce_table_stream`,
an in-place update), so `pipeline_tables` takes the stage's model.

No Pulumi import here (nor in what this imports): a script or a test reads it cheaply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from stacks import naming
from stacks.stage_model import Stage, StageModel, Target, model

__all__ = [
    "AGGREGATE_TABLE",
    "APPOINTMENT_TABLE",
    "NEW_AND_OLD_IMAGES",
    "PARAMETER_TABLE",
    "REDUCE_TABLE",
    "REMINDER_IDEMPOTENCY_TABLE",
    "REMINDER_TABLES",
    "STATE_TABLE",
    "Key",
    "TableShape",
    "declared",
    "pipeline_tables",
]

# Every stream reader (MapLambda, ReduceLambda, ReminderLambda) is given both images.
NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"


@dataclass(frozen=True)
class Key:
    """A key attribute: its name and DynamoDB scalar type (S, N or B)."""

    name: str
    type: str = "S"


@dataclass(frozen=True)
class TableShape:
    """What a table is, apart from its name: keys, stream, TTL."""

    logical_name: str  # the physical name is `<prefix>-<logical_name>` (naming.Names)
    hash_key: Key
    range_key: Key | None = None
    stream_view_type: str | None = None  # None: no stream
    ttl_attribute: str | None = None  # None: no TTL

    @property
    def keys(self) -> tuple[Key, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    @property
    def stream_enabled(self) -> bool:
        return self.stream_view_type is not None

    def with_stream(self, enabled: bool) -> TableShape:
        """The same table with its stream on (both images) or off."""
        return replace(self, stream_view_type=NEW_AND_OLD_IMAGES if enabled else None)

    def create_table_request(self, table_name: str) -> dict[str, Any]:
        """DynamoDB's CreateTable parameters (boto3 spelling) for this shape under a name."""
        request: dict[str, Any] = {
            "TableName": table_name,
            "AttributeDefinitions": [
                {"AttributeName": key.name, "AttributeType": key.type} for key in self.keys
            ],
            "KeySchema": [
                {"AttributeName": key.name, "KeyType": kind}
                for key, kind in zip(self.keys, ("HASH", "RANGE"), strict=False)
            ],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if self.stream_view_type is not None:
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": self.stream_view_type,
            }
        return request

    def time_to_live_request(self, table_name: str) -> dict[str, Any] | None:
        """DynamoDB's UpdateTimeToLive parameters, or None when the table has no TTL."""
        if self.ttl_attribute is None:
            return None
        return {
            "TableName": table_name,
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": self.ttl_attribute},
        }


# --- the pipeline ------------------------------------------------------------------------------

# The latest version of every trade, by its id; its stream feeds MapLambda in every stage.
STATE_TABLE = TableShape(Target.STATE_TABLE.value, Key("id"), stream_view_type=NEW_AND_OLD_IMAGES)
# MapLambda's deltas, one item per batch. Written here with its stream on, as from lab 1 on;
# `pipeline_tables` switches it off for the broken stage.
REDUCE_TABLE = TableShape(
    Target.REDUCE_TABLE.value, Key("MessageId"), stream_view_type=NEW_AND_OLD_IMAGES
)
# One item per aggregate key. ReduceLambda's applied-batch markers live here too and expire
# through TTL on this attribute (functions/leda_pipeline/io/aggregate_store.py).
AGGREGATE_TABLE = TableShape(
    Target.AGGREGATE_TABLE.value, Key("Identifier"), ttl_attribute="ExpiresAt"
)
# The game state every function reads: failure rates, special trades, score.
PARAMETER_TABLE = TableShape(Target.PARAMETER_TABLE.value, Key("parameter"))


def pipeline_tables(stage_model: StageModel) -> Mapping[Target, TableShape]:
    """The pipeline's four tables as the stage declares them."""
    return {
        Target.STATE_TABLE: STATE_TABLE,
        Target.REDUCE_TABLE: REDUCE_TABLE.with_stream(stage_model.reduce_table_stream),
        Target.AGGREGATE_TABLE: AGGREGATE_TABLE,
        Target.PARAMETER_TABLE: PARAMETER_TABLE,
    }


# --- the reminders (the same in every stage) ---------------------------------------------------

# The appointments. Old images too: a MODIFY is compared with what was scheduled before.
APPOINTMENT_TABLE = TableShape(
    naming.APPOINTMENT_TABLE, Key("PK"), Key("SK"), stream_view_type=NEW_AND_OLD_IMAGES
)
# Powertools' idempotency records: one per stream record processed, for two hours (see
# functions/reminder_lambda.py), removed by TTL on the attribute Powertools writes.
REMINDER_IDEMPOTENCY_TABLE = TableShape(
    naming.REMINDER_IDEMPOTENCY_TABLE, Key("id"), ttl_attribute="expiration"
)
REMINDER_TABLES = (APPOINTMENT_TABLE, REMINDER_IDEMPOTENCY_TABLE)


def declared(stage: Stage) -> tuple[TableShape, ...]:
    """Every table of the stack in a stage: the pipeline's four, then the reminders' two."""
    return (*pipeline_tables(model(stage)).values(), *REMINDER_TABLES)
