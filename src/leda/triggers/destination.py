"""The on-failure destination: metadata of a discarded batch, sent to an SQS queue.

As on Lambda, the message describes the batch (shard, sequence range, reason), not the records:
they stay in the stream, and the sequence range finds them there.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any

from leda.triggers.config import MappingConfig, SourceKind
from leda.triggers.records import SourceRecord

log = logging.getLogger(__name__)


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="milliseconds")


def failure_record(
    config: MappingConfig,
    function_arn: str,
    batch: Sequence[SourceRecord],
    condition: str,
    attempts: int,
    error_type: str,
) -> dict[str, Any]:
    info = {
        "shardId": batch[0].shard_id,
        "startSequenceNumber": batch[0].sequence_number,
        "endSequenceNumber": batch[-1].sequence_number,
        "approximateArrivalOfFirstRecord": _iso(batch[0].arrival),
        "approximateArrivalOfLastRecord": _iso(batch[-1].arrival),
        "batchSize": len(batch),
        "streamArn": config.source_arn,
    }
    key = "KinesisBatchInfo" if config.source_kind is SourceKind.KINESIS else "DDBStreamBatchInfo"
    return {
        "requestContext": {
            "requestId": f"{config.name}:{batch[0].sequence_number}",
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": error_type or "Unhandled",
        },
        "version": "1.0",
        "timestamp": _iso(dt.datetime.now(dt.UTC).timestamp()),
        key: info,
    }


class OnFailureDestination:
    def __init__(self, sqs: Any | None, queue_url: str | None) -> None:
        self._sqs = sqs
        self._url = queue_url

    def send(self, record: dict[str, Any]) -> None:
        if self._sqs is None or self._url is None:
            log.warning("batch discarded with no on-failure destination: %s", record)
            return
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps(record))
