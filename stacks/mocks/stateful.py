"""Which resources hold data, and which properties make the provider replace a resource.

A stack moves between lab stages with `pulumi up`; that must never replace a table, the
stream, a queue, a log group or the reminders' schedule group (a replacement deletes the data;
for the group, every pending schedule). The AWS provider replaces a
resource when one of the properties below changes (ForceNew in its schema), so the stage model
keeps them equal across stages: the tests and `leda stage diff` check exactly that. A trigger is
listed too: replacing one restarts it at its starting position, skipping or replaying records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REPLACE_ON: Mapping[str, tuple[str, ...]] = {
    "aws:dynamodb/table:Table": ("name", "hashKey", "rangeKey", "region"),
    "aws:kinesis/stream:Stream": ("name", "region"),
    "aws:sqs/queue:Queue": ("name", "namePrefix", "fifoQueue", "region"),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "namePrefix", "region"),
    # Replacing the group deletes its schedules: every pending reminder and expiry.
    "aws:scheduler/scheduleGroup:ScheduleGroup": ("name", "namePrefix", "region"),
    "aws:lambda/eventSourceMapping:EventSourceMapping": (
        "eventSourceArn",
        "startingPosition",
        "startingPositionTimestamp",
        "region",
    ),
}
STATEFUL_TYPES = frozenset(
    {
        "aws:dynamodb/table:Table",
        "aws:kinesis/stream:Stream",
        "aws:sqs/queue:Queue",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:scheduler/scheduleGroup:ScheduleGroup",
    }
)


def is_stateful(typ: str) -> bool:
    return typ in STATEFUL_TYPES


def replacement_properties(typ: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The values that decide whether an update of this resource becomes a replacement."""
    return {key: inputs.get(key) for key in REPLACE_ON.get(typ, ())}
