"""The on-failure destination: metadata of a discarded batch, sent to an SQS queue.

As on Lambda, the message describes the batch (shard, sequence range, reason), not the records:
they stay in the stream, and the sequence range finds them there.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
import uuid
from collections.abc import Sequence
from typing import Any

from leda.triggers.config import MappingConfig, SourceKind
from leda.triggers.events import in_region
from leda.triggers.records import SourceRecord

log = logging.getLogger(__name__)

# responseContext.functionError: Lambda's X-Amz-Function-Error, "Unhandled" for every error a
# function's invocation ends in (an exception, a timeout, the runtime exiting), whatever the
# exception's class; both documented invocation records (Kinesis and DynamoDB) show it. A batch
# given up while the function kept returning normally (ReportBatchItemFailures naming a record)
# had no function error: the recordings on AWS carry null there.
UNHANDLED = "Unhandled"


def _utc(epoch: float, milliseconds: bool) -> str:
    """ISO 8601 in UTC with a `Z`, as the documented invocation records write times:
    "2019-11-14T00:38:06.021Z" (milliseconds) or "2019-11-14T00:13:19Z" (whole seconds)."""
    if not milliseconds:
        epoch = math.floor(epoch)
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    text = moment.isoformat(timespec="milliseconds" if milliseconds else "seconds")
    return text.removesuffix("+00:00") + "Z"


def failure_record(
    config: MappingConfig,
    function_arn: str,
    batch: Sequence[SourceRecord],
    condition: str,
    attempts: int,
    function_error: str | None,
    *,
    request_id: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The invocation record Lambda sends an on-failure destination for a discarded batch.

    Field names, nesting and formats follow the examples in Lambda's documentation
    (tests/triggers/fixtures/*-on-failure.json): `timestamp` has milliseconds and a `Z`; the
    arrival times have milliseconds for Kinesis (arrival times Kinesis keeps to the
    millisecond) and whole seconds for DynamoDB streams; `requestId` is a UUID (the last
    invocation's request ID when there was one); ARNs name the mapping's region.
    """
    kinesis = config.source_kind is SourceKind.KINESIS
    info = {
        "shardId": batch[0].shard_id,
        "startSequenceNumber": batch[0].sequence_number,
        "endSequenceNumber": batch[-1].sequence_number,
        "approximateArrivalOfFirstRecord": _utc(batch[0].arrival, milliseconds=kinesis),
        "approximateArrivalOfLastRecord": _utc(batch[-1].arrival, milliseconds=kinesis),
        "batchSize": len(batch),
        "streamArn": in_region(config.source_arn, config.region),
    }
    return {
        "requestContext": {
            "requestId": request_id or str(uuid.uuid4()),
            "functionArn": in_region(function_arn, config.region),
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": function_error,
        },
        "version": "1.0",
        "timestamp": _utc(time.time() if now is None else now, milliseconds=True),
        "KinesisBatchInfo" if kinesis else "DDBStreamBatchInfo": info,
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
