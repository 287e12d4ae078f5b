"""The reminders' settings, written once, and the same in every lab stage.

The pipeline changes from stage to stage (stacks/stage_model.py); the reminders do not: a write
to the appointments table schedules its reminder the same way whatever lab a participant is in.
So nothing here takes a stage, and moving a stack between stages leaves these resources alone.
(Their tables' shapes are in stacks/tables.py, with every other table's.)
"""

from __future__ import annotations

from dataclasses import dataclass

from stacks.naming import REMINDER_FUNCTION
from stacks.stage_model import FunctionDefinition

LOGICAL_ID = REMINDER_FUNCTION  # the SAM LogicalId its artifact is built under
FUNCTION = FunctionDefinition(handler="reminder_lambda.handler", timeout_seconds=30, names={})


@dataclass(frozen=True)
class StreamTrigger:
    """The event source mapping from the appointments table's stream to the function."""

    batch_size: int
    batching_window_seconds: int
    starting_position: str
    maximum_retry_attempts: int
    maximum_record_age_seconds: int
    bisect_on_error: bool
    parallelization_factor: int
    function_response_types: tuple[str, ...]


# The function processes each record once (idempotency by eventID) and reports failed records
# one by one (malformed items go to the failure queue themselves, never retried), so the
# trigger may give up after a few retries, split a batch whose whole invocation failed (a
# timeout, every record failing), and hand what it gave up on to the failure queue: one bad
# record never holds up its shard for long. Small batches, a short window: a reminder is due
# at a time of its own.
# TRIM_HORIZON: the stream is created with the table, so no write made while the mapping is
# being created goes unscheduled.
TRIGGER = StreamTrigger(
    batch_size=10,
    batching_window_seconds=1,
    starting_position="TRIM_HORIZON",
    maximum_retry_attempts=3,
    maximum_record_age_seconds=3600,
    bisect_on_error=True,
    parallelization_factor=1,
    function_response_types=("ReportBatchItemFailures",),
)
