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

# SQS bodies are capped (256 KiB on older queues); a Kinesis record can be 1 MiB.
MAX_PAYLOAD_CHARS = 200_000
_SQS_BATCH = 10


@dataclass(frozen=True, slots=True)
class DeadLetter:
    function: str
    reason: str
    payload: str
    source: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        body = asdict(self)
        body["source"] = dict(self.source)
        if len(self.payload) > MAX_PAYLOAD_CHARS:
            body["payload"] = self.payload[:MAX_PAYLOAD_CHARS]
            body["payloadTruncatedFrom"] = len(self.payload)
        return json.dumps(body, sort_keys=True)


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
        for start in range(0, len(letters), _SQS_BATCH):
            chunk = letters[start : start + _SQS_BATCH]
            response = self._client.send_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(index), "MessageBody": letter.to_json()}
                    for index, letter in enumerate(chunk)
                ],
            )
            failed = response.get("Failed", [])
            if failed:
                codes = sorted({entry.get("Code", "?") for entry in failed})
                raise DeliveryFailed(f"{len(failed)} dead letter(s) not accepted by SQS: {codes}")
