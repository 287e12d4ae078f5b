"""The offline Scheduler fires moto's schedules through real targets (moto SES and SQS,
DynamoDB Local): on time, once per version, with retries, dead letters and deletion."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from leda.cloud.credentials import local_client
from leda.scheduler.firing import Outcome, ScheduleFiring
from tests.support.tables import create_appointment_table
from tests.support.waiting import wait_for

pytestmark = pytest.mark.emulator

ROLE = "arn:aws:iam::123456789012:role/leda-dev-SchedulerRole"
SENDER = "reminders@example.com"


@pytest.fixture
def moto(moto_endpoint: str) -> dict[str, Any]:
    return {name: local_client(name, moto_endpoint) for name in ("scheduler", "ses", "sqs")}


@pytest.fixture
def world(moto, dynamodb) -> Iterator[dict[str, Any]]:
    """A group, a verified sender, a dead-letter queue, a table; the engine firing them."""
    group = f"g-{uuid.uuid4().hex[:8]}"
    moto["scheduler"].create_schedule_group(Name=group)
    moto["ses"].verify_email_identity(EmailAddress=SENDER)
    dlq_url = moto["sqs"].create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    dlq_arn = moto["sqs"].get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    table = create_appointment_table(dynamodb, stream=False)
    engine = ScheduleFiring(
        moto["scheduler"],
        moto["sqs"],
        {"ses": moto["ses"], "sqs": moto["sqs"], "dynamodb": dynamodb},
        [group],
        retry_base_seconds=0.1,
    )
    engine.start()
    yield {"group": group, "dlq_url": dlq_url, "dlq_arn": dlq_arn, "table": table, "engine": engine}
    engine.stop()


def at(seconds: float) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return f"at({moment.replace(microsecond=0, tzinfo=None).isoformat()})"


def email(to: str, sender: str = SENDER) -> dict[str, Any]:
    return {
        "Source": sender,
        "Destination": {"ToAddresses": [to]},
        "Message": {"Subject": {"Data": "Time"}, "Body": {"Text": {"Data": "Now"}}},
    }


def schedule(moto, world, name, expression, target_arn, request, *, create=True, retries=3):
    call = moto["scheduler"].create_schedule if create else moto["scheduler"].update_schedule
    call(
        Name=name,
        GroupName=world["group"],
        ScheduleExpression=expression,
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={
            "Arn": target_arn,
            "RoleArn": ROLE,
            "Input": json.dumps(request),
            "RetryPolicy": {"MaximumRetryAttempts": retries, "MaximumEventAgeInSeconds": 60},
            "DeadLetterConfig": {"Arn": world["dlq_arn"]},
        },
    )


SEND = "arn:aws:scheduler:::aws-sdk:ses:sendEmail"
DELETE = "arn:aws:scheduler:::aws-sdk:dynamodb:deleteItem"


def sent_count(moto) -> int:
    return int(moto["ses"].get_send_quota()["SentLast24Hours"])


def names_left(moto, world) -> set[str]:
    listed = moto["scheduler"].list_schedules(GroupName=world["group"])["Schedules"]
    return {s["Name"] for s in listed}


def dead_letters(moto, url) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = (
        moto["sqs"]
        .receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        .get("Messages", [])
    )
    return messages


def test_an_email_fires_on_time_once_and_the_schedule_is_deleted(moto, world):
    before = sent_count(moto)
    schedule(moto, world, "one", at(2), SEND, email("ann@example.com"))
    engine = world["engine"]
    wait_for(lambda: len(engine.firings) == 1)
    time.sleep(1.0)  # room for a second firing, which must not come
    [firing] = engine.firings
    assert firing.outcome == Outcome.DELIVERED
    assert firing.request["Destination"]["ToAddresses"] == ["ann@example.com"]
    assert 0 <= firing.seconds_late <= 2
    assert firing.response.get("MessageId")
    assert sent_count(moto) == before + 1  # SES's own count, not ours
    assert names_left(moto, world) == set()


def test_a_moved_schedule_fires_only_at_its_new_time(moto, world):
    schedule(moto, world, "moved", at(2), SEND, email("bob@example.com"))
    time.sleep(0.6)  # the engine knows the first version before it moves
    schedule(moto, world, "moved", at(4), SEND, email("bob@example.com"), create=False)
    engine = world["engine"]
    time.sleep(3.0)
    assert engine.firings == []  # not at the old time
    wait_for(lambda: len(engine.firings) == 1)
    new_time = dt.datetime.fromisoformat(engine.firings[0].due)
    assert engine.firings[0].seconds_late <= 2
    assert new_time - dt.datetime.now(dt.UTC) < dt.timedelta(seconds=1)


def test_a_cancelled_schedule_never_fires(moto, world):
    schedule(moto, world, "cancelled", at(2), SEND, email("cy@example.com"))
    time.sleep(0.6)  # the engine knows it before it is cancelled
    moto["scheduler"].delete_schedule(Name="cancelled", GroupName=world["group"])
    time.sleep(3.5)
    assert world["engine"].firings == []


def test_a_schedule_the_service_would_refuse_is_reported_and_never_fires(moto, world):
    before = sent_count(moto)
    schedule(moto, world, "x" * 65, at(1), SEND, email("long@example.com"))
    schedule(moto, world, "bad-at", "at(soon)", SEND, email("soon@example.com"))
    engine = world["engine"]
    wait_for(lambda: len(engine.refusals) == 2)
    time.sleep(2.0)
    assert engine.firings == []
    assert sent_count(moto) == before
    reasons = {refusal.name: refusal.reason for refusal in engine.refusals.values()}
    assert "1-64" in reasons["x" * 65]
    assert "at(soon)" in reasons["bad-at"]


def test_a_rejected_email_goes_to_the_dead_letter_queue_without_retries(moto, world):
    schedule(
        moto, world, "unverified", at(1), SEND, email("dan@example.com", "nobody@invalid.test")
    )
    engine = world["engine"]
    wait_for(lambda: len(engine.firings) == 1)
    [firing] = engine.firings
    assert firing.outcome == Outcome.DEAD_LETTERED
    assert firing.attempts == 1  # a refusal is not retried
    assert "MessageRejected" in firing.error
    [message] = dead_letters(moto, world["dlq_url"])
    body = json.loads(message["Body"])
    assert body["errorCode"] == "MessageRejected"
    assert json.loads(body["input"])["Destination"]["ToAddresses"] == ["dan@example.com"]
    assert message["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "MessageRejected"
    assert names_left(moto, world) == set()  # deleted after completion, failed or not


def test_a_retryable_failure_is_retried_as_the_policy_says_then_dead_lettered(moto, world):
    # A queue that does not exist answers 400 (not retryable); an endpoint that is down is a
    # connection error, which is: point the SQS target at a closed port.
    closed = local_client(
        "sqs", "http://127.0.0.1:9", connect_timeout=0.2, retries={"max_attempts": 0}
    )
    engine = ScheduleFiring(
        moto["scheduler"], moto["sqs"], {"sqs": closed}, [world["group"]], retry_base_seconds=0.05
    )
    world["engine"].stop()
    engine.start()
    try:
        request = {"QueueUrl": world["dlq_url"], "MessageBody": "hello"}
        schedule(
            moto,
            world,
            "down",
            at(1),
            "arn:aws:scheduler:::aws-sdk:sqs:sendMessage",
            request,
            retries=2,
        )
        wait_for(lambda: len(engine.firings) == 1)
        [firing] = engine.firings
        assert firing.attempts == 3  # the first call and 2 retries
        assert firing.outcome == Outcome.DEAD_LETTERED
        [message] = dead_letters(moto, world["dlq_url"])
        assert message["MessageAttributes"]["RETRY_ATTEMPTS"]["StringValue"] == "2"
    finally:
        engine.stop()


def test_an_expiry_deletes_the_item_only_while_it_carries_that_expiry(moto, world, dynamodb):
    table = world["table"]

    def item(pk: str, expires: str) -> None:
        dynamodb.put_item(
            TableName=table,
            Item={"PK": {"S": pk}, "SK": {"S": "s"}, "EXPIRES_AT": {"S": expires}},
        )

    def delete_request(pk: str, expires: str) -> dict[str, Any]:
        return {
            "TableName": table,
            "Key": {"PK": {"S": pk}, "SK": {"S": "s"}},
            "ConditionExpression": "#expires = :expires",
            "ExpressionAttributeNames": {"#expires": "EXPIRES_AT"},
            "ExpressionAttributeValues": {":expires": {"S": expires}},
        }

    item("kept", "later")  # its expiry moved since the schedule was written
    item("gone", "now")
    schedule(moto, world, "kept", at(1), DELETE, delete_request("kept", "now"))
    schedule(moto, world, "gone", at(1), DELETE, delete_request("gone", "now"))
    engine = world["engine"]
    wait_for(lambda: len(engine.firings) == 2)
    outcomes = {f.name: f.outcome for f in engine.firings}
    assert outcomes == {"gone": Outcome.DELIVERED, "kept": Outcome.DEAD_LETTERED}
    keys = {"TableName": table}
    assert "Item" not in dynamodb.get_item(**keys, Key={"PK": {"S": "gone"}, "SK": {"S": "s"}})
    assert "Item" in dynamodb.get_item(**keys, Key={"PK": {"S": "kept"}, "SK": {"S": "s"}})
