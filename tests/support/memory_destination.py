"""An on-failure destination that keeps what it is sent, through the engine's own
OnFailureDestination: only the SQS client is replaced, so the message body is the real one."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from leda.triggers.destination import OnFailureDestination

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/000000000000/on-failure"


@dataclass(frozen=True, slots=True)
class FailureMessage:
    """One message as the on-failure queue received it, with the fields tests look at."""

    body: dict[str, Any]

    @property
    def batch_info(self) -> dict[str, Any]:
        info: dict[str, Any] = self.body.get("KinesisBatchInfo") or self.body["DDBStreamBatchInfo"]
        return info

    @property
    def condition(self) -> str:
        return str(self.body["requestContext"]["condition"])

    @property
    def attempts(self) -> int:
        return int(self.body["requestContext"]["approximateInvokeCount"])

    @property
    def shard_id(self) -> str:
        return str(self.batch_info["shardId"])

    @property
    def start(self) -> str:
        return str(self.batch_info["startSequenceNumber"])

    @property
    def end(self) -> str:
        return str(self.batch_info["endSequenceNumber"])

    @property
    def batch_size(self) -> int:
        return int(self.batch_info["batchSize"])


@dataclass
class RecordingSqs:
    """The one SQS call OnFailureDestination makes, kept in memory."""

    on_message: Callable[[FailureMessage], None] | None = None
    messages: list[FailureMessage] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def send_message(self, QueueUrl: str, MessageBody: str) -> dict[str, str]:
        message = FailureMessage(json.loads(MessageBody))
        self.urls.append(QueueUrl)
        self.messages.append(message)
        if self.on_message is not None:
            self.on_message(message)
        return {"MessageId": str(len(self.messages))}

    def destination(self) -> OnFailureDestination:
        return OnFailureDestination(self, QUEUE_URL)
