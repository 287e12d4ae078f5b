"""GeneratorLambda: one burst of trade messages a minute, then the check that keeps score.

Reads the aggregates, sends the burst, waits, reads them again and compares the change with the
totals of the latest version of every trade sent. A correct burst scores 100; at 300 the game
moves to lab 2 (duplicates, out-of-order versions, random function failures). Records
PutRecords refuses are dropped (counted as lost), or, with GENERATOR_REFUSED_RECORDS=resend,
sent again until all are accepted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from leda_lambda import clients, settings
from leda_pipeline import switches
from leda_pipeline.domain.burst import BurstSpec, MessageKind, compose_burst
from leda_pipeline.domain.scoring import (
    LAB2_PARAMETERS,
    SCORE,
    SPECIAL_TRADES,
    compare,
    next_move,
)
from leda_pipeline.io import environment
from leda_pipeline.io.aggregate_store import AggregateStore
from leda_pipeline.io.parameters import ParameterTable
from leda_pipeline.io.trade_stream import PutReport, TradeStream

DEFAULT_CHECK_DELAY_SECONDS = 30

logger = Logger(service="generator-lambda")


@dataclass(frozen=True, slots=True)
class BurstResult:
    sent: int
    fresh: int
    modified: int
    out_of_order: int
    duplicates: int
    accepted: int
    lost_at_send: int
    retried_at_send: int
    mismatched_keys: list[str]
    correct: bool
    score: int
    entered_lab2: bool
    first_sent_at: float


def play_burst(
    refused: switches.RefusedRecords,
    spec_without_game: BurstSpec,
    stream: TradeStream,
    aggregates: AggregateStore,
    parameters: ParameterTable,
    check_delay: float,
    sleep: Callable[[float], None] = time.sleep,
) -> BurstResult:
    special = parameters.get(SPECIAL_TRADES) == 1
    spec = BurstSpec(
        calls=spec_without_game.calls,
        records_per_call=spec_without_game.records_per_call,
        special_trades=special,
    )
    before = aggregates.read()
    burst = compose_burst(spec, environment.rng(), Decimal(str(round(time.time(), 3))))
    report = PutReport()
    first_sent_at = time.time()
    for call in burst.calls:
        stream.put(call, retry_partial=refused is switches.RefusedRecords.RESEND, report=report)
    sleep(check_delay)
    after = aggregates.read()
    mismatches = compare(burst.expected_totals(), before, after)

    score = parameters.get(SCORE)
    move = next_move(score, special, burst_correct=not mismatches)
    if move.points:
        score = parameters.add(SCORE, move.points)
    if move.enter_lab2:
        for name, value in LAB2_PARAMETERS.items():
            parameters.put(name, value)
    counts = burst.counts
    return BurstResult(
        sent=spec.size,
        fresh=counts[MessageKind.FRESH],
        modified=counts[MessageKind.MODIFIED],
        out_of_order=counts[MessageKind.OUT_OF_ORDER],
        duplicates=counts[MessageKind.DUPLICATE],
        accepted=report.accepted,
        lost_at_send=report.lost,
        retried_at_send=report.retried,
        mismatched_keys=[m.key for m in mismatches],
        correct=not mismatches,
        score=int(score),
        entered_lab2=move.enter_lab2,
        first_sent_at=first_sent_at,
    )


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    result = play_burst(
        refused=switches.refused_records(),
        spec_without_game=BurstSpec(
            calls=settings.integer("BURST_CALLS", 250),
            records_per_call=settings.integer("BURST_RECORDS_PER_CALL", 40),
        ),
        stream=TradeStream(clients.kinesis(), settings.required("STREAM_NAME")),
        aggregates=AggregateStore(clients.dynamodb(), settings.required("AGGREGATE_TABLE_NAME")),
        parameters=environment.parameters(),
        check_delay=settings.number("CHECK_DELAY_SECONDS", DEFAULT_CHECK_DELAY_SECONDS),
    )
    summary = asdict(result)
    logger.info("burst checked", extra=summary)
    return summary
