"""StateLambda: Kinesis trade messages -> StateTable, the latest version of every trade.

STATE_WRITE=unconditional writes every message (a duplicate or an older version rewrites the
trade, as lab 1 does); version-conditional writes only newer versions, one UpdateItem each,
and prints the workshop's line for every refusal (lab 2); version-conditional-batched does the
same in PartiQL batches (hardened). Malformed records go to the dead-letter queue with their
reason where the stage gives one (hardened); without it they fail the batch, as the workshop's
code does. Anything transient is raised so the trigger retries the batch.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import KinesisStreamEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from leda_lambda import clients, dead_letter, settings
from leda_lambda.dead_letter import DeadLetter
from leda_pipeline import switches
from leda_pipeline.domain.failure_injection import InjectedFailure, first_failing_record
from leda_pipeline.domain.messages import MalformedMessage, TradeState, decode_base64, parse_message
from leda_pipeline.domain.scoring import FAILURE_STATE
from leda_pipeline.io import environment
from leda_pipeline.io.state_store import StateStore, WriteOutcome

FUNCTION = "StateLambda"
DEFAULT_MAX_AGE_SECONDS = 60  # the workshop skips messages older than this

logger = Logger(service="state-lambda")


CONDITIONAL_PUT_FAILED = (
    "Conditional put failed. This is either a duplicate or a more recent version already arrived."
)


def print_refusal(state: TradeState) -> None:
    """Lab 2's log lines for a duplicate or an older version, printed as the workshop does."""
    print(CONDITIONAL_PUT_FAILED)
    print("Id: ", state.trade_id)
    print("Hierarchy: ", state.hierarchy.as_dict())
    print("Value: ", state.value)
    print("Version: ", state.version)
    print("Timestamp: ", state.timestamp)


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=KinesisStreamEvent)
def handler(event: KinesisStreamEvent, context: LambdaContext) -> dict[str, Any]:
    write = switches.state_write()
    store = StateStore(clients.dynamodb(), settings.required("STATE_TABLE_NAME"))
    max_age = settings.integer("MAX_MESSAGE_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS)
    records = list(event.records)

    fail_at = first_failing_record(
        environment.parameters().get(FAILURE_STATE), len(records), environment.rng().random
    )
    to_process = records if fail_at is None else records[:fail_at]

    states: list[TradeState] = []
    letters: list[DeadLetter] = []
    stale = 0
    oldest_allowed = Decimal(time.time() - max_age) if max_age > 0 else None
    for record in to_process:
        try:
            message = parse_message(decode_base64(record.kinesis.data))
        except MalformedMessage as bad:
            logger.warning(
                "malformed record",
                extra={"reason": bad.reason, "sequence": record.kinesis.sequence_number},
            )
            letters.append(dead_letter.kinesis_letter(FUNCTION, record, bad.reason))
            continue
        if oldest_allowed is not None and message.timestamp < oldest_allowed:
            stale += 1
            continue
        states.append(TradeState.of(message))

    environment.dead_letters().send(letters)
    outcome: WriteOutcome
    if write is switches.StateWrite.VERSION_CONDITIONAL_BATCHED:
        outcome = store.write_latest(states)
    elif write is switches.StateWrite.VERSION_CONDITIONAL:
        outcome = store.write_each_if_newer(states, refused=print_refusal)
    else:
        outcome = store.write_unconditional(states)
    summary = {
        "records": len(to_process),
        "inserted": outcome.inserted,
        "updated": outcome.updated,
        "ignored": outcome.ignored,
        "dead_lettered": len(letters),
        "stale": stale,
    }
    if stale:
        logger.warning("skipped messages older than the age limit", extra=summary)
    if fail_at is not None:
        logger.info("injected failure", extra={**summary, "failed_at": fail_at})
        raise InjectedFailure(f"injected failure at record {fail_at} of {len(records)}")
    logger.info("batch written", extra={**summary, "state_write": write.value})
    return summary
