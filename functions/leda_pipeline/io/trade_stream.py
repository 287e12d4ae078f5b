"""The Kinesis stream the generator feeds: PutRecords, with or without retry of partial failures."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leda_pipeline.domain.burst import OutgoingRecord

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

MAX_ATTEMPTS = 12
BASE_BACKOFF_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 2.0


class RecordsNotAccepted(RuntimeError):
    """PutRecords kept refusing some records: the burst is incomplete, so say so loudly."""


@dataclass(slots=True)
class PutReport:
    accepted: int = 0
    lost: int = 0  # refused and not retried (the workshop's behaviour)
    retried: int = 0  # records sent again after a partial failure


class TradeStream:
    def __init__(
        self,
        client: KinesisClient,
        stream_name: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._stream = stream_name
        self._sleep = sleep

    def put(
        self, records: Sequence[OutgoingRecord], retry_partial: bool, report: PutReport
    ) -> None:
        """Send one PutRecords call's worth of records.

        With retry_partial, refused entries (ProvisionedThroughputExceeded, InternalFailure) are
        sent again with backoff until all are accepted; without it they are counted as lost, as
        the workshop's generator silently loses them.
        """
        pending = list(records)
        for attempt in range(MAX_ATTEMPTS):
            refused = self._put_once(pending)
            report.accepted += len(pending) - len(refused)
            if not refused:
                return
            if not retry_partial:
                report.lost += len(refused)
                return
            report.retried += len(refused)
            pending = refused
            self._sleep(min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2**attempt))
        raise RecordsNotAccepted(
            f"{len(pending)} record(s) still refused after {MAX_ATTEMPTS} attempts"
        )

    def _put_once(self, records: Sequence[OutgoingRecord]) -> list[OutgoingRecord]:
        entries: list[Any] = [
            {"Data": record.data.encode("utf-8"), "PartitionKey": record.partition_key}
            for record in records
        ]
        response = self._client.put_records(StreamName=self._stream, Records=entries)
        if not response.get("FailedRecordCount"):
            return []
        return [
            record
            for record, result in zip(records, response["Records"], strict=True)
            if "ErrorCode" in result
        ]
