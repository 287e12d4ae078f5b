"""The stack's tables, created on DynamoDB Local under names unique to each test.

Their shapes (keys, stream, TTL) are the Pulumi program's (stacks/tables.py), as the last stage
declares them: every stream the functions' tests carry records on is there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from stacks import tables
from stacks.stage_model import Stage, Target, model
from stacks.tables import TableShape

# The pipeline's tables in the fault-tolerant stage: ReduceTable's stream is on from wired on.
PIPELINE = tables.pipeline_tables(model(Stage.FAULT_TOLERANT))


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


def create_table(client: Any, shape: TableShape, name: str) -> str:
    """A table of the stack's shape (TTL included) under `name`."""
    client.create_table(**shape.create_table_request(name))
    time_to_live = shape.time_to_live_request(name)
    if time_to_live is not None:
        client.update_time_to_live(**time_to_live)
    return name


def _unique(shape: TableShape) -> str:
    return f"{shape.logical_name}-{uuid.uuid4().hex[:8]}"


def create_pipeline_tables(client: Any) -> PipelineTables:
    names = {
        target: create_table(client, shape, _unique(shape)) for target, shape in PIPELINE.items()
    }
    return PipelineTables(
        state=names[Target.STATE_TABLE],
        reduce=names[Target.REDUCE_TABLE],
        aggregate=names[Target.AGGREGATE_TABLE],
        parameter=names[Target.PARAMETER_TABLE],
    )


def create_appointment_table(client: Any, *, stream: bool = True) -> str:
    """The reminders' table (PK, SK; a NEW_AND_OLD_IMAGES stream unless `stream=False`)."""
    shape = tables.APPOINTMENT_TABLE.with_stream(stream)
    return create_table(client, shape, _unique(shape))


def create_idempotency_table(client: Any) -> str:
    """Powertools' idempotency records (key `id`, TTL on `expiration`)."""
    shape = tables.REMINDER_IDEMPOTENCY_TABLE
    return create_table(client, shape, _unique(shape))
