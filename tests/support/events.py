"""Kinesis events shaped exactly like Lambda's, built from message payloads."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from leda.triggers.events import batch, kinesis_record

STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/IncomingDataStream"
SHARD = "shardId-000000000000"


def kinesis_event(payloads: list[bytes], first_sequence: int = 1000) -> dict[str, Any]:
    now = time.time()
    return batch(
        kinesis_record(
            payload,
            partition_key=hashlib.sha256(payload).hexdigest(),
            sequence_number=str(49_000_000_000_000 + first_sequence + index),
            shard_id=SHARD,
            stream_arn=STREAM_ARN,
            arrival=now,
        )
        for index, payload in enumerate(payloads)
    )


def raw_kinesis_event(data_fields: list[str]) -> dict[str, Any]:
    """Records whose base64 `data` field is given verbatim (for payloads that are not base64)."""
    event = kinesis_event([b"x"] * len(data_fields))
    for record, data in zip(event["Records"], data_fields, strict=True):
        record["kinesis"]["data"] = data
    return event
