"""MapLambda: StateTable stream -> one pre-aggregated delta per batch in ReduceTable.

Idempotent per batch in every stage: the delta is keyed by the digest of the batch's record
IDs and written under attribute_not_exists, so a retried batch finds its delta already there.
A failed write (throttled, refused) is the stage's choice, MAP_WRITE_ERRORS: the workshop's
code returns `{"statusCode": 500}`, which the trigger counts as success, so the batch is lost;
hardened raises, so the trigger retries it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from leda_lambda import clients, dead_letter, settings
from leda_lambda.dead_letter import DeadLetter
from leda_pipeline import switches
from leda_pipeline.domain.aggregation import StateChange, encode_deltas, map_changes
from leda_pipeline.domain.batch_hash import batch_digest
from leda_pipeline.domain.failure_injection import InjectedFailure, batch_fails
from leda_pipeline.domain.messages import MalformedMessage
from leda_pipeline.domain.scoring import FAILURE_MAP
from leda_pipeline.io import environment
from leda_pipeline.io.delta_store import DeltaStore
from leda_pipeline.io.stream_records import state_change

FUNCTION = "MapLambda"

logger = Logger(service="map-lambda")


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=DynamoDBStreamEvent)
def handler(event: DynamoDBStreamEvent, context: LambdaContext) -> dict[str, Any]:
    on_error = switches.map_write_errors()
    store = DeltaStore(clients.dynamodb(), settings.required("REDUCE_TABLE_NAME"))
    records = list(event.records)
    changes: list[StateChange] = []
    letters: list[DeadLetter] = []
    for record in records:
        try:
            changes.append(state_change(record))
        except MalformedMessage as bad:
            logger.warning("malformed stream record", extra={"reason": bad.reason})
            letters.append(dead_letter.stream_letter(FUNCTION, record, bad.reason))
    environment.dead_letters().send(letters)

    deltas = map_changes(changes)
    message_id = batch_digest([record.event_id or "" for record in records])
    try:
        written = store.put_once(message_id, encode_deltas(deltas)) if deltas else False
    except ClientError as error:
        if on_error is switches.MapWriteErrors.RAISE:
            raise
        # The workshop's flaw, kept where the stage is the workshop's: the trigger takes this
        # answer as success and moves on, and the batch's delta is never written.
        logger.error("delta write failed", extra={"message_id": message_id, "error": str(error)})
        return {"statusCode": 500, "body": str(error)}
    summary = {
        "records": len(records),
        "message_id": message_id,
        "written": written,
        "dead_lettered": len(letters),
    }
    # The workshop's fault comes after the write: the retry must find the delta in place.
    if batch_fails(environment.parameters().get(FAILURE_MAP), environment.rng().random):
        logger.info("injected failure", extra=summary)
        raise InjectedFailure("injected failure after writing the delta")
    logger.info("batch mapped", extra=summary)
    return summary
