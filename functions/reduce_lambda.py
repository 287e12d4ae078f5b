"""ReduceLambda: ReduceTable stream -> AggregateTable, one transaction per batch.

REDUCE_IDEMPOTENCY=none applies the transaction as the workshop does after lab 1: a retried
batch is added again. token passes lab 2's ClientRequestToken, the MD5 of the batch's records
(DynamoDB ignores a repeat for 10 minutes). token-and-marker (hardened) passes a token from the
record IDs and puts an applied-batch marker in the same transaction, so a replay after those
10 minutes is refused too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from leda_lambda import clients, dead_letter, settings
from leda_lambda.dead_letter import DeadLetter
from leda_pipeline import switches
from leda_pipeline.domain.aggregation import decode_deltas, reduce_deltas
from leda_pipeline.domain.batch_hash import batch_digest, records_token, request_token
from leda_pipeline.domain.failure_injection import InjectedFailure, batch_fails
from leda_pipeline.domain.messages import MalformedMessage
from leda_pipeline.domain.scoring import FAILURE_REDUCE
from leda_pipeline.io import environment
from leda_pipeline.io.aggregate_store import AggregateStore

FUNCTION = "ReduceLambda"

logger = Logger(service="reduce-lambda")


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=DynamoDBStreamEvent)
def handler(event: DynamoDBStreamEvent, context: LambdaContext) -> dict[str, Any]:
    idempotency = switches.reduce_idempotency()
    store = AggregateStore(clients.dynamodb(), settings.required("AGGREGATE_TABLE_NAME"))
    records = list(event.records)
    batches: list[dict[str, Decimal]] = []
    letters: list[DeadLetter] = []
    for record in records:
        if record.event_name is not DynamoDBRecordEventName.INSERT:
            continue  # deltas are written once and never changed: only inserts carry data
        try:
            text = record.dynamodb.new_image.get("Message") if record.dynamodb else None
            if not isinstance(text, str):
                raise MalformedMessage("new image has no Message text")
            batches.append(decode_deltas(text))
        except MalformedMessage as bad:
            logger.warning("malformed delta", extra={"reason": bad.reason})
            letters.append(dead_letter.stream_letter(FUNCTION, record, bad.reason))
    environment.dead_letters().send(letters)

    total = reduce_deltas(batches)
    ids = [record.event_id or "" for record in records]
    if idempotency is switches.ReduceIdempotency.TOKEN_AND_MARKER:
        applied = store.apply(total, token=request_token(ids), batch_marker=batch_digest(ids))
    elif idempotency is switches.ReduceIdempotency.TOKEN:
        applied = store.apply(total, token=records_token(event.raw_event["Records"]))
    else:
        applied = store.apply(total)
    summary = {
        "records": len(records),
        "keys": len(total),
        "applied": applied,
        "dead_lettered": len(letters),
    }
    if batch_fails(environment.parameters().get(FAILURE_REDUCE), environment.rng().random):
        logger.info("injected failure", extra=summary)
        raise InjectedFailure("injected failure after the transaction")
    logger.info("batch reduced", extra={**summary, "reduce_idempotency": idempotency.value})
    return summary
