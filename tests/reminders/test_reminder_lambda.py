"""ReminderLambda on real stream records (DynamoDB Local) against moto's Scheduler."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
import reminder_lambda
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from leda_lambda import container
from leda_reminders.schedules import expiry_schedule_name, reminder_schedule_name

from leda.cloud.credentials import local_client
from leda.triggers.events import batch
from tests.support.context import FakeLambdaContext
from tests.support.queues import drain
from tests.support.streams import TableStreamTap
from tests.support.tables import create_appointment_table, create_idempotency_table

pytestmark = pytest.mark.emulator

ROLE = "arn:aws:iam::123456789012:role/leda-dev-SchedulerRole"
DLQ = "arn:aws:sqs:us-east-1:123456789012:leda-dev-ReminderTargetDeadLetterQueue"


@pytest.fixture
def scheduler(moto_endpoint: str) -> Any:
    return local_client("scheduler", moto_endpoint)


@pytest.fixture
def failure_queue(sqs) -> str:
    url: str = sqs.create_queue(QueueName=f"ReminderFailureQueue-{uuid.uuid4().hex[:8]}")[
        "QueueUrl"
    ]
    return url


@pytest.fixture
def setup(
    monkeypatch,
    dynamodb,
    dynamodb_streams,
    scheduler,
    dynamodb_endpoint,
    moto_endpoint,
    failure_queue,
):
    table = create_appointment_table(dynamodb)
    idempotency_table = create_idempotency_table(dynamodb)
    group = f"reminders-{uuid.uuid4().hex[:8]}"
    scheduler.create_schedule_group(Name=group)
    for name, value in {
        "AWS_ENDPOINT_URL_SCHEDULER": moto_endpoint,
        "AWS_ENDPOINT_URL_SQS": moto_endpoint,
        "FAILURE_QUEUE_URL": failure_queue,
        "IDEMPOTENCY_TABLE_NAME": idempotency_table,
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "SCHEDULE_GROUP_NAME": group,
        "SCHEDULER_ROLE_ARN": ROLE,
        "TARGET_DEAD_LETTER_QUEUE_ARN": DLQ,
        "SENDER_EMAIL": "reminders@example.com",
        "APPOINTMENT_TABLE_NAME": table,
        "DEFAULT_TIMEZONE": "UTC",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "AWS_ACCESS_KEY_ID": "ledalocal",
        "AWS_SECRET_ACCESS_KEY": "ledalocal",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    clear_caches()
    yield table, group, TableStreamTap(dynamodb, dynamodb_streams, table)
    clear_caches()


def clear_caches() -> None:
    """Forget the clients, queue, writer and idempotency store built from the environment."""
    container.reset()


def later(minutes: int, zone: str = "UTC") -> str:
    """A wall-clock time `minutes` from now, as read in `zone`."""
    from zoneinfo import ZoneInfo

    moment = dt.datetime.now(ZoneInfo(zone)) + dt.timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def put(dynamodb, table, pk, **attributes):
    item = {"PK": {"S": pk}, "SK": {"S": "StaticSK"}}
    item.update({k: {"S": v} for k, v in attributes.items()})
    dynamodb.put_item(TableName=table, Item=item)


def invoke(records):
    return reminder_lambda.handler(batch(records), FakeLambdaContext())  # type: ignore[arg-type]


def schedules(scheduler, group) -> dict[str, dict[str, Any]]:
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
    return {name: scheduler.get_schedule(Name=name, GroupName=group) for name in names}


def test_an_insert_schedules_the_reminder_email(setup, dynamodb, scheduler):
    table, group, tap = setup
    due = later(30, "Europe/Paris")
    put(
        dynamodb,
        table,
        "1",
        REMINDER_TIMESTAMP=due,
        EMAIL="ann@example.com",
        TIMEZONE="Europe/Paris",
    )
    assert invoke(tap.take()) == {"batchItemFailures": []}
    [(name, schedule)] = schedules(scheduler, group).items()
    assert name == reminder_schedule_name("1", "StaticSK")
    assert schedule["ScheduleExpression"] == f"at({due})"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["ActionAfterCompletion"] == "DELETE"
    target = schedule["Target"]
    assert target["Arn"] == "arn:aws:scheduler:::aws-sdk:ses:sendEmail"
    assert target["RoleArn"] == ROLE
    assert target["DeadLetterConfig"] == {"Arn": DLQ}
    assert 0 <= target["RetryPolicy"]["MaximumRetryAttempts"] <= 185
    request = json.loads(target["Input"])
    assert request["Destination"] == {"ToAddresses": ["ann@example.com"]}
    assert request["Source"] == "reminders@example.com"
    assert "1" in request["Message"]["Subject"]["Data"]


def test_a_time_already_past_is_scheduled_at_once(setup, dynamodb, scheduler):
    table, group, tap = setup
    put(dynamodb, table, "late", REMINDER_TIMESTAMP=later(-5), EMAIL="l@example.com")
    started = dt.datetime.now(dt.UTC)
    invoke(tap.take())
    [schedule] = schedules(scheduler, group).values()
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    fires = dt.datetime.strptime(schedule["ScheduleExpression"], "at(%Y-%m-%dT%H:%M:%S)")
    lead = fires.replace(tzinfo=dt.UTC) - started
    assert dt.timedelta(0) <= lead <= dt.timedelta(seconds=5)  # promptly, not in the past


def test_the_same_batch_twice_still_one_schedule_per_appointment(setup, dynamodb, scheduler):
    table, group, tap = setup
    for pk in ("1", "2", "3"):
        put(dynamodb, table, pk, REMINDER_TIMESTAMP=later(10), EMAIL=f"p{pk}@example.com")
    records = tap.take()
    invoke(records)
    first = schedules(scheduler, group)
    assert invoke(records) == {"batchItemFailures": []}  # a retried or duplicated delivery
    again = schedules(scheduler, group)
    assert set(again) == set(first) and len(again) == 3
    assert {n: s["ScheduleExpression"] for n, s in again.items()} == {
        n: s["ScheduleExpression"] for n, s in first.items()
    }


def test_moving_updates_other_changes_leave_it_and_removing_cancels(setup, dynamodb, scheduler):
    table, group, tap = setup
    put(dynamodb, table, "1", REMINDER_TIMESTAMP=later(10), EMAIL="a@example.com", ATTR_1="x")
    invoke(tap.take())
    name = reminder_schedule_name("1", "StaticSK")
    moved = later(20)
    put(dynamodb, table, "1", REMINDER_TIMESTAMP=moved, EMAIL="a@example.com", ATTR_1="x")
    invoke(tap.take())
    assert schedules(scheduler, group)[name]["ScheduleExpression"] == f"at({moved})"
    # another attribute only: the schedule is left as it is (no call at all)
    scheduler.delete_schedule(Name=name, GroupName=group)  # would be re-created if touched
    put(dynamodb, table, "1", REMINDER_TIMESTAMP=moved, EMAIL="a@example.com", ATTR_1="y")
    invoke(tap.take())
    assert schedules(scheduler, group) == {}
    put(dynamodb, table, "1", REMINDER_TIMESTAMP=later(30), EMAIL="a@example.com", ATTR_1="y")
    invoke(tap.take())
    assert name in schedules(scheduler, group)
    dynamodb.delete_item(TableName=table, Key={"PK": {"S": "1"}, "SK": {"S": "StaticSK"}})
    removal = tap.take()
    assert invoke(removal) == {"batchItemFailures": []}
    assert schedules(scheduler, group) == {}
    assert invoke(removal) == {"batchItemFailures": []}  # already gone: fine


def test_bad_items_go_to_the_failure_queue_with_reasons_and_the_rest_is_scheduled(
    setup, dynamodb, scheduler, sqs, failure_queue
):
    table, group, tap = setup
    put(dynamodb, table, "good", REMINDER_TIMESTAMP=later(10), EMAIL="g@example.com")
    put(dynamodb, table, "bad-time", REMINDER_TIMESTAMP="next tuesday", EMAIL="b@example.com")
    put(dynamodb, table, "bad-mail", REMINDER_TIMESTAMP=later(10), EMAIL="not-an-address")
    records = tap.take()
    # retrying a malformed item cannot help: it is not reported failed, it is sent on
    assert invoke(records) == {"batchItemFailures": []}
    assert set(schedules(scheduler, group)) == {reminder_schedule_name("good", "StaticSK")}
    letters = {json.loads(b["source"]["keys"])["PK"]: b for b in drain(sqs, failure_queue)}
    assert set(letters) == {"bad-time", "bad-mail"}
    assert "next tuesday" in letters["bad-time"]["reason"]
    assert "REMINDER_TIMESTAMP" in letters["bad-time"]["reason"]
    assert "not-an-address" in letters["bad-mail"]["reason"]
    by_key = {r["dynamodb"]["Keys"]["PK"]["S"]: r for r in records}
    for pk, letter in letters.items():
        assert letter["function"] == "ReminderLambda"
        assert letter["source"]["sequenceNumber"] == by_key[pk]["dynamodb"]["SequenceNumber"]
        assert json.loads(letter["payload"]) == by_key[pk]  # the whole record, to replay it


def test_without_a_failure_queue_bad_items_fail_their_records_instead(
    setup, dynamodb, scheduler, monkeypatch
):
    table, group, tap = setup
    monkeypatch.delenv("FAILURE_QUEUE_URL")
    clear_caches()
    put(dynamodb, table, "good", REMINDER_TIMESTAMP=later(10), EMAIL="g@example.com")
    put(dynamodb, table, "bad", REMINDER_TIMESTAMP="soon", EMAIL="b@example.com")
    records = tap.take()
    response = invoke(records)
    by_key = {r["dynamodb"]["Keys"]["PK"]["S"]: r["dynamodb"]["SequenceNumber"] for r in records}
    assert response == {"batchItemFailures": [{"itemIdentifier": by_key["bad"]}]}
    assert set(schedules(scheduler, group)) == {reminder_schedule_name("good", "StaticSK")}


def test_an_expiring_item_gets_a_conditional_delete(setup, dynamodb, scheduler):
    table, group, tap = setup
    expires = later(60)
    put(dynamodb, table, "e", EXPIRES_AT=expires)
    invoke(tap.take())
    [(name, schedule)] = schedules(scheduler, group).items()
    assert name == expiry_schedule_name("e", "StaticSK")
    assert schedule["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:dynamodb:deleteItem"
    request = json.loads(schedule["Target"]["Input"])
    assert request["TableName"] == table
    assert request["Key"] == {"PK": {"S": "e"}, "SK": {"S": "StaticSK"}}
    assert request["ConditionExpression"] == "#expires = :expires"
    assert request["ExpressionAttributeNames"] == {"#expires": "EXPIRES_AT"}
    assert request["ExpressionAttributeValues"] == {":expires": {"S": expires}}


def test_a_record_delivered_again_after_its_reminder_fired_makes_no_second_one(
    setup, dynamodb, scheduler
):
    table, group, tap = setup
    put(dynamodb, table, "due", REMINDER_TIMESTAMP=later(-1), EMAIL="d@example.com")
    records = tap.take()
    invoke(records)
    [name] = schedules(scheduler, group)
    # It fires 2 s from now and deletes itself after completion; then the trigger delivers
    # the same record again (it resends every record after one that failed).
    scheduler.delete_schedule(Name=name, GroupName=group)
    assert invoke(records) == {"batchItemFailures": []}
    assert schedules(scheduler, group) == {}  # not made anew: no second email


def test_a_malformed_record_delivered_twice_is_reported_once(setup, dynamodb, sqs, failure_queue):
    table, _, tap = setup
    put(dynamodb, table, "bad", REMINDER_TIMESTAMP="whenever", EMAIL="b@example.com")
    records = tap.take()
    invoke(records)
    invoke(records)
    assert len(drain(sqs, failure_queue)) == 1


def test_an_item_changed_into_one_that_cannot_be_scheduled_loses_its_reminder(
    setup, dynamodb, scheduler, sqs, failure_queue
):
    table, group, tap = setup
    put(dynamodb, table, "1", REMINDER_TIMESTAMP=later(10), EMAIL="a@example.com")
    invoke(tap.take())
    assert len(schedules(scheduler, group)) == 1
    put(dynamodb, table, "1", REMINDER_TIMESTAMP=later(10), EMAIL="no longer an address")
    assert invoke(tap.take()) == {"batchItemFailures": []}
    assert schedules(scheduler, group) == {}  # not sent at the old time to the old address
    [letter] = drain(sqs, failure_queue)
    assert "no longer an address" in letter["reason"]


def test_a_transient_error_fails_its_records_and_a_retry_schedules_them(
    setup, dynamodb, scheduler, monkeypatch
):
    table, group, tap = setup
    missing = f"missing-{uuid.uuid4().hex[:6]}"  # moto answers HTTP 500 for an unknown group
    monkeypatch.setenv("SCHEDULE_GROUP_NAME", missing)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # no waiting on botocore's own retries
    clear_caches()
    put(dynamodb, table, "1", REMINDER_TIMESTAMP=later(10), EMAIL="a@example.com")
    put(dynamodb, table, "2", REMINDER_TIMESTAMP=later(10), EMAIL="b@example.com")
    records = tap.take()
    # Every record failed: Powertools fails the whole invocation, so the trigger retries the
    # batch (with one record fine, the others would be reported in batchItemFailures).
    with pytest.raises(BatchProcessingError, match="All records failed"):
        invoke(records)
    monkeypatch.setenv("SCHEDULE_GROUP_NAME", group)
    clear_caches()
    assert invoke(records) == {"batchItemFailures": []}  # the trigger's retry
    assert len(schedules(scheduler, group)) == 2
