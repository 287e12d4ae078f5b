"""Deliver again the batches a stream trigger gave up on, one on-failure message at a time.

Why invoke the function with an event of the trigger's own shape, rather than put the records
back on the stream or write the items again: the records are still in the stream with their
sequence numbers, and the functions are written to be delivered a batch more than once (the
trigger itself redelivers on every retry); a new event built from the same records, by the same
code the offline trigger uses (leda.triggers.events), is exactly what the trigger would have
sent. Putting them back would give them new sequence numbers and feed every other reader of the
stream a second copy; rewriting table items would change the data, not redeliver the change.

A message is deleted only after its records were delivered and the function reported success
(no function error, no batchItemFailures); anything else leaves it on the queue, reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from leda.redrive.dead_letters import FailedTarget, parse_dead_letter
from leda.redrive.failures import FailedBatch, NotABatch, parse
from leda.redrive.reread import PastRetention, reread
from leda.triggers.events import batch as event_of
from leda.triggers.sources import ShardSource

VISIBILITY_SECONDS = 900  # a message being redriven is hidden from other readers this long
WAIT_SECONDS = 1  # long polling: SQS answers as soon as a message is there


class Outcome(StrEnum):
    DELIVERED = "delivered"  # delivered and deleted
    WOULD_DELIVER = "would deliver"  # --dry-run: the records are there
    SENT = "sent"  # a Scheduler dead letter's call made now, and deleted
    WOULD_SEND = "would send"  # --dry-run
    PAST_RETENTION = "past retention"  # kept: the stream no longer holds the records
    FAILED = "failed"  # kept: the function failed again
    NOT_A_BATCH = "not a batch"  # kept: not Lambda's on-failure record


@dataclass(frozen=True)
class Delivery:
    ok: bool
    detail: str = ""  # the function's error, or the failed records it reported


class Invoker(Protocol):
    def __call__(self, function_arn: str, event: dict[str, Any]) -> Delivery: ...


class Sender(Protocol):
    """Makes a dead-lettered schedule's target call now (leda.redrive.dead_letters)."""

    def __call__(self, failed: FailedTarget) -> Delivery: ...


@dataclass(frozen=True)
class Redriven:
    message_id: str
    outcome: Outcome
    detail: str
    records: int = 0


def delivery_of(ok: bool, payload: object, error: str = "") -> Delivery:
    """Success as the trigger judges it: no function error, and no record reported failed."""
    if not ok:
        return Delivery(False, error or "the function failed")
    if isinstance(payload, dict) and payload.get("batchItemFailures"):
        failed = payload["batchItemFailures"]
        return Delivery(False, f"the function reported {len(failed)} records failed")
    if isinstance(payload, dict) and int(payload.get("stale") or 0) > 0:
        # StateLambda skips messages older than MAX_MESSAGE_AGE_SECONDS (the workshop's rule,
        # 60 s): it succeeded without writing them, so the message must stay.
        return Delivery(
            False,
            f"the function skipped {payload['stale']} records as older than its maximum message "
            "age (StateLambda's MAX_MESSAGE_AGE_SECONDS): they were not written",
        )
    return Delivery(True)


def _messages(sqs: Any, url: str, limit: int | None) -> Iterator[dict[str, Any]]:
    """Every message once, at most `limit`, one at a time: each is hidden while it is handled
    (VISIBILITY_SECONDS), so it is not received again, and no more are received than will be
    handled (a received message stays hidden until someone shows it). Long polls, because a
    short one may answer empty while messages wait; two empty answers in a row end it."""
    seen: set[str] = set()
    empty = 0
    while (limit is None or len(seen) < limit) and empty < 2:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=1,
            VisibilityTimeout=VISIBILITY_SECONDS,
            WaitTimeSeconds=WAIT_SECONDS,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        empty = 0 if fresh else empty + 1
        for message in fresh:
            seen.add(message["MessageId"])
            yield message


def redrive(
    sqs: Any,
    queue_url: str,
    source: Callable[[FailedBatch], ShardSource],
    invoke: Invoker,
    *,
    send: Sender | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    progress: Callable[[Redriven], None] = lambda _: None,
) -> list[Redriven]:
    """Every message of the queue (at most `limit`), each delivered again or reported kept.

    Kept messages (and all of them in a dry run) are made visible again when the run ends,
    for the next redrive or a person to look at.
    """
    done: list[Redriven] = []
    kept: list[str] = []
    try:
        for message in _messages(sqs, queue_url, limit):
            result = _one(message, source, invoke, send, dry_run)
            if result.outcome in (Outcome.DELIVERED, Outcome.SENT):
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            else:
                kept.append(message["ReceiptHandle"])
            done.append(result)
            progress(result)
    finally:
        for handle in kept:
            try:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                )
            except Exception:  # it shows again when its hiding ends, at the latest
                continue
    return done


def _one(
    message: dict[str, Any],
    source: Callable[[FailedBatch], ShardSource],
    invoke: Invoker,
    send: Sender | None,
    dry_run: bool,
) -> Redriven:
    identifier = message["MessageId"]
    body = message.get("Body", "")
    failed = parse(body)
    if isinstance(failed, NotABatch):
        attributes = {
            name: str(value.get("StringValue", ""))
            for name, value in (message.get("MessageAttributes") or {}).items()
        }
        target = parse_dead_letter(body, attributes)
        if isinstance(target, str) or send is None:
            why = target if isinstance(target, str) else "a Scheduler dead letter"
            return Redriven(identifier, Outcome.NOT_A_BATCH, f"{failed.what}; {why}")
        if dry_run:
            return Redriven(identifier, Outcome.WOULD_SEND, target.describe())
        sent = send(target)
        if not sent.ok:
            return Redriven(
                identifier, Outcome.FAILED, f"{target.describe()}; again: {sent.detail}"
            )
        return Redriven(identifier, Outcome.SENT, target.describe())
    try:
        records = reread(source(failed), failed)
    except PastRetention as error:
        return Redriven(identifier, Outcome.PAST_RETENTION, f"{failed.describe()}; {error}")
    if dry_run:
        return Redriven(identifier, Outcome.WOULD_DELIVER, failed.describe(), len(records))
    delivery = invoke(failed.function_arn, event_of(record.event for record in records))
    if not delivery.ok:
        return Redriven(
            identifier,
            Outcome.FAILED,
            f"{failed.describe()}; again: {delivery.detail}",
            len(records),
        )
    return Redriven(identifier, Outcome.DELIVERED, failed.describe(), len(records))


def lambda_invoker(client: Any) -> Invoker:
    """Invoke on AWS (RequestResponse), as `aws lambda invoke` does."""

    def invoke(function_arn: str, event: dict[str, Any]) -> Delivery:
        response = client.invoke(
            FunctionName=function_arn,
            InvocationType="RequestResponse",
            Payload=json.dumps(event).encode(),
        )
        text = response["Payload"].read().decode() or "null"
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            payload = text
        error = response.get("FunctionError")
        detail = ""
        if error:
            detail = (
                f"{error}: {payload.get('errorMessage') if isinstance(payload, dict) else payload}"
            )
        return delivery_of(not error, payload, detail)

    return invoke


def client_sender(client_for: Callable[[str], Any]) -> Sender:
    """Make the call with the caller's own credentials. A conditional delete that finds the
    condition false (the expiry moved since) has nothing to do: success."""

    def send(failed: FailedTarget) -> Delivery:
        import botocore.exceptions

        try:
            getattr(client_for(failed.service), failed.method)(**failed.request)
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if failed.method == "delete_item" and code == "ConditionalCheckFailedException":
                return Delivery(True, "the item's expiry moved: nothing to delete")
            return Delivery(False, f"{code}: {error}")
        except (botocore.exceptions.ParamValidationError, TypeError) as error:
            return Delivery(False, f"the request is not a valid {failed.method}: {error}")
        return Delivery(True)

    return send
