"""Carrying records by hand from stage to stage, as the triggers would, for handler tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import map_lambda
import reduce_lambda
import state_lambda

from leda.triggers.events import batch
from tests.support.invoke import invoke_until_success
from tests.support.streams import TableStreamTap
from tests.support.tables import PipelineTables


@dataclass
class ManualPipeline:
    """State -> (StateTable stream) -> Map -> (ReduceTable stream) -> Reduce, each batch retried
    until it succeeds (lab 2's injected failures included)."""

    state_tap: TableStreamTap
    reduce_tap: TableStreamTap

    @classmethod
    def over(cls, dynamodb: Any, streams: Any, tables: PipelineTables) -> ManualPipeline:
        return cls(
            TableStreamTap(dynamodb, streams, tables.state),
            TableStreamTap(dynamodb, streams, tables.reduce),
        )

    def run(self, kinesis_records: list[dict[str, Any]], state_batch: int = 100) -> None:
        for start in range(0, len(kinesis_records), state_batch):
            invoke_until_success(
                state_lambda.handler, batch(kinesis_records[start : start + state_batch])
            )
        self.drain()

    def drain(self) -> None:
        state_records = self.state_tap.take()
        if state_records:
            invoke_until_success(map_lambda.handler, batch(state_records))
        reduce_records = self.reduce_tap.take()
        if reduce_records:
            invoke_until_success(reduce_lambda.handler, batch(reduce_records))
