"""Lambda's on-failure records, read back from a queue: which batch was given up, and why.

Lambda sends an on-failure destination a description of the batch (shard, sequence range,
stream, function, condition), never the records: they stay in the stream until its retention
ends. Anything else found on such a queue (a function's own dead letter with its reason, a
message someone sent by hand) is reported as what it is and left alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class StreamKind(StrEnum):
    KINESIS = "kinesis"
    DYNAMODB = "dynamodb"


INFO_KEYS = {"KinesisBatchInfo": StreamKind.KINESIS, "DDBStreamBatchInfo": StreamKind.DYNAMODB}


@dataclass(frozen=True)
class FailedBatch:
    kind: StreamKind
    stream_arn: str
    shard_id: str
    start: str  # first sequence number, inclusive
    end: str  # last sequence number, inclusive
    size: int  # records Lambda says the batch held
    function_arn: str
    condition: str  # RetryAttemptsExhausted, RecordAgeExceeded, ...

    def describe(self) -> str:
        return (
            f"{self.size} records of {self.shard_id} ({self.start}..{self.end}) given up by "
            f"{self.function_arn.rsplit(':', 1)[-1]}: {self.condition}"
        )


@dataclass(frozen=True)
class NotABatch:
    """A message that is not Lambda's on-failure record: what it looks like, and why."""

    what: str


def parse(body: str) -> FailedBatch | NotABatch:
    try:
        message: Any = json.loads(body)
    except json.JSONDecodeError:
        return NotABatch("not JSON, so not an on-failure record")
    if not isinstance(message, dict):
        return NotABatch("JSON but not an object")
    found = [key for key in INFO_KEYS if isinstance(message.get(key), dict)]
    if not found:
        if "reason" in message:
            return NotABatch(f"a dead letter with its reason: {message['reason']}")
        return NotABatch("an object without KinesisBatchInfo or DDBStreamBatchInfo")
    info = message[found[0]]
    context = message.get("requestContext") or {}
    try:
        return FailedBatch(
            kind=INFO_KEYS[found[0]],
            stream_arn=str(info["streamArn"]),
            shard_id=str(info["shardId"]),
            start=str(info["startSequenceNumber"]),
            end=str(info["endSequenceNumber"]),
            size=int(info.get("batchSize") or 0),
            function_arn=str(context["functionArn"]),
            condition=str(context.get("condition") or "unknown"),
        )
    except (KeyError, TypeError, ValueError) as error:
        return NotABatch(f"an on-failure record missing {error}")
