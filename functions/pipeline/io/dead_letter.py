"""The dead-letter queue for records that can never be processed.

A malformed record is stored with its payload and the reason, and the batch goes on: one bad
record must neither stall its shard nor take good records down with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

# SQS caps a message, and a whole SendMessageBatch, at 256 KiB on queues made before 2025
# (1 MiB since); a Kinesis record can be 1 MiB and a stream record two 400 KB images. Bodies are
# cut to fit the older limit, measured in UTF-8 bytes of the JSON (escaping can double a
# payload), and batches are cut so that their bodies together fit it too.
SQS_LIMIT_BYTES = 256 * 1024
MAX_BODY_BYTES = SQS_LIMIT_BYTES - 2048  # room for the batch entries' own fields
_SQS_BATCH = 10


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
