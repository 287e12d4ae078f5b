"""The dead-letter queue for records that can never be processed.

A malformed record is stored with its payload and the reason, and the batch goes on: one bad
record must neither stall its shard nor take good records down with it. A letter names the
function, the reason, the record as received (to replay it) and where it came from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from leda_lambda import clients, settings
from leda_lambda.container import once

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
    from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
        KinesisStreamRecord,
    )
    from mypy_boto3_sqs import SQSClient

# SQS caps a message, and a whole SendMessageBatch, at 256 KiB on queues made before 2025
# (1 MiB since); a Kinesis record can be 1 MiB and a stream record two 400 KB images. Bodies are
# cut to fit the older limit, measured in UTF-8 bytes of the JSON (escaping can double a
# payload), and batches are cut so that their bodies together fit it too.
SQS_LIMIT_BYTES = 256 * 1024
MAX_BODY_BYTES = SQS_LIMIT_BYTES - 2048  # room for the batch entries' own fields
_SQS_BATCH = 10


class Unprocessable(ValueError):
    """A record no retry can process: it goes to a dead-letter queue with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DeadLetter:
    function: str
    reason: str
    payload: str
    source: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The message body, at most MAX_BODY_BYTES: the payload is cut if it must be, and
        `payloadTruncatedFrom` then says how long it was (in characters)."""
        body = asdict(self)
        body["source"] = dict(self.source)
        text = json.dumps(body, sort_keys=True)
        keep = len(self.payload)
        while len(text.encode()) > MAX_BODY_BYTES and keep > 0:
            # Each character kept costs at most 6 bytes of JSON (a \uXXXX escape).
            excess = len(text.encode()) - MAX_BODY_BYTES
            keep = max(0, keep - max(64, excess // 6 + 1))
            body["payload"] = self.payload[:keep]
            body["payloadTruncatedFrom"] = len(self.payload)
            text = json.dumps(body, sort_keys=True)
        return text


class UndeliverableRecords(RuntimeError):
    """Malformed records and nowhere to put them: the batch fails loudly instead of losing them."""


class DeliveryFailed(RuntimeError):
    """SQS refused some messages: raised so the trigger retries the batch."""


class DeadLetterQueue:
    def __init__(self, client: SQSClient | None, queue_url: str | None) -> None:
        self._client = client
        self._url = queue_url

    def send(self, letters: Sequence[DeadLetter]) -> None:
        if not letters:
            return
        if self._client is None or self._url is None:
            reasons = "; ".join(f"{letter.reason}" for letter in letters[:5])
            raise UndeliverableRecords(
                f"{len(letters)} malformed record(s) and no dead-letter queue configured: {reasons}"
            )
        for chunk in _batches([letter.to_json() for letter in letters]):
            response = self._client.send_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(index), "MessageBody": body} for index, body in enumerate(chunk)
                ],
            )
            failed = response.get("Failed", [])
            if failed:
                codes = sorted({entry.get("Code", "?") for entry in failed})
                raise DeliveryFailed(f"{len(failed)} dead letter(s) not accepted by SQS: {codes}")


@once
def queue(url_variable: str) -> DeadLetterQueue:
    """The queue whose URL the variable holds; without it, letters fail their batch (or
    record) instead, so the trigger's own failure handling still sees them."""
    url = settings.optional(url_variable)
    return DeadLetterQueue(clients.sqs() if url else None, url)


def kinesis_letter(function: str, record: KinesisStreamRecord, reason: str) -> DeadLetter:
    return DeadLetter(
        function=function,
        reason=reason,
        payload=record.kinesis.data,  # base64, exactly as received
        source={
            "eventID": record.event_id,
            "eventSourceARN": record.event_source_arn,
            "sequenceNumber": record.kinesis.sequence_number,
            "partitionKey": record.kinesis.partition_key,
        },
    )


def stream_letter(function: str, record: DynamoDBRecord, reason: str) -> DeadLetter:
    """A DynamoDB stream record: the whole record as the payload (it can be replayed as it is),
    and its key, sequence number and event in `source`."""
    stream = record.dynamodb
    return DeadLetter(
        function=function,
        reason=reason,
        payload=json.dumps(record.raw_event, sort_keys=True, default=str),
        source={
            "eventID": record.event_id or "",
            "eventName": record.event_name.name if record.event_name else "",
            "eventSourceARN": record.event_source_arn or "",
            "sequenceNumber": (stream.sequence_number or "") if stream else "",
            "keys": json.dumps(_keys(record), sort_keys=True, default=str),
        },
    )


def _keys(record: DynamoDBRecord) -> object:
    """The item's key, deserialized; as received if it cannot be (the record may be malformed
    in exactly that part)."""
    try:
        return record.dynamodb.keys if record.dynamodb else {}
    except (TypeError, ValueError, ArithmeticError):
        return record.raw_event.get("dynamodb", {}).get("Keys", {})


def _batches(bodies: Sequence[str]) -> list[list[str]]:
    """At most 10 bodies a batch, and no more bytes together than SQS takes in one."""
    batches: list[list[str]] = []
    size = 0
    for body in bodies:
        length = len(body.encode())
        if not batches or len(batches[-1]) == _SQS_BATCH or size + length > MAX_BODY_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(body)
        size += length
    return batches
