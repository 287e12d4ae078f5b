"""Reminders and exact expiry, offline, end to end: the stack's own table, trigger, function
and schedule group on the emulators, and the offline Scheduler firing what the function made.

Every check counts: emails are counted twice over, from what the firing side delivered and
from SES's own send count on moto's server.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from leda.cloud.local_cloud import LocalCloud
from leda.deployment.deployment import Deployment, DeploymentOptions
from leda.reminders.trial import drain
from leda.scheduler.firing import Firing, Outcome
from leda.triggers.events import batch
from tests.support.streams import TableStreamTap
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

LEDA = str(Path(sys.executable).parent / "leda")
REMINDER = "ReminderLambda"
SK = "StaticSK"


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    options = DeploymentOptions(stage="fault-tolerant", functions=(REMINDER,))
    with LocalCloud() as cloud, Deployment(cloud, options) as running:
        yield running


class World:
    """The deployment's resources, and the ways these tests write and watch them."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.dynamodb = deployment.cloud.client("dynamodb")
        self.streams = deployment.cloud.client("dynamodbstreams")
        self.sqs = deployment.cloud.client("sqs")
        self.ses = deployment.cloud.client("ses")
        self.scheduler = deployment.cloud.client("scheduler")
        self.table = deployment.output("appointmentTableName")
        self.sender = deployment.output("senderEmail")
        self.failure_queue = deployment.local(deployment.output("reminderFailureQueueUrl"))
        self.target_dlq = deployment.local(deployment.output("reminderDeadLetterQueueUrl"))
        self.tag = uuid.uuid4().hex[:6]  # keeps each test's keys and addresses apart

    def pk(self, name: str) -> str:
        return f"{self.tag}-{name}"

    def address(self, name: str) -> str:
        return f"{self.tag}-{name}@example.com"

    def put(self, name: str, **attributes: str) -> None:
        item = {"PK": {"S": self.pk(name)}, "SK": {"S": SK}}
        item.update({key: {"S": value} for key, value in attributes.items()})
        self.dynamodb.put_item(TableName=self.table, Item=item)

    def put_batch(self, items: dict[str, dict[str, str]]) -> None:
        requests = []
        for name, attributes in items.items():
            item = {"PK": {"S": self.pk(name)}, "SK": {"S": SK}}
            item.update({key: {"S": value} for key, value in attributes.items()})
            requests.append({"PutRequest": {"Item": item}})
        self.dynamodb.batch_write_item(RequestItems={self.table: requests})

    def delete(self, name: str) -> None:
        self.dynamodb.delete_item(
            TableName=self.table, Key={"PK": {"S": self.pk(name)}, "SK": {"S": SK}}
        )

    def exists(self, name: str) -> bool:
        found = self.dynamodb.get_item(
            TableName=self.table,
            Key={"PK": {"S": self.pk(name)}, "SK": {"S": SK}},
            ConsistentRead=True,
        )
        return "Item" in found

    def emails(self) -> list[Firing]:
        """Emails delivered to this test's addresses."""
        firings, _ = self.deployment.fired_schedules()
        return [
            f
            for f in firings
            if f.outcome == Outcome.DELIVERED
            and any(
                to.startswith(self.tag)
                for to in f.request.get("Destination", {}).get("ToAddresses", [])
            )
        ]

    def sent_by_ses(self) -> int:
        return int(self.ses.get_send_quota()["SentLast24Hours"])

    def schedules(self) -> list[str]:
        names: list[str] = []
        for group in self.deployment.plan.schedule_groups:
            listed = self.scheduler.list_schedules(GroupName=group)["Schedules"]
            names.extend(s["Name"] for s in listed)
        return names


@pytest.fixture
def world(deployment: Deployment) -> World:
    return World(deployment)


def wall(seconds: float) -> tuple[str, dt.datetime]:
    """An item's time `seconds` from now (UTC, whole seconds), and that instant."""
    moment = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S"), moment


def collect(letters: list[Any], sqs: Any, url: str, count: int) -> Callable[[], bool]:
    """A wait condition: take what the queue holds into `letters` until there are `count`."""

    def enough() -> bool:
        letters.extend(drain(sqs, url))
        return len(letters) >= count

    return enough


def address_of(firing: Firing) -> str:
    return str(firing.request["Destination"]["ToAddresses"][0])


def late(firing: Firing, due: dt.datetime) -> float:
    return (dt.datetime.fromisoformat(firing.finished) - due).total_seconds()


def test_leda_local_reminders_sends_one_email_per_appointment_on_time(tmp_path):
    done = subprocess.run(
        [LEDA, "local", "reminders", "--items", "10", "--in", "8", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert set(report) == {"emails", "schedules_left", "dead_letters"}
    addresses = [email["address"] for email in report["emails"]]
    assert sorted(addresses) == sorted(f"person-{n}@example.com" for n in range(1, 11))
    for email in report["emails"]:
        assert 0 <= email["seconds_late"] <= 2.0, email
        due = dt.datetime.fromisoformat(email["due"])
        sent = dt.datetime.fromisoformat(email["sent"])
        assert sent >= due
    assert report["schedules_left"] == []
    assert report["dead_letters"] == {"reminderFailureQueue": [], "reminderDeadLetterQueue": []}


def test_the_same_stream_batch_twice_still_sends_one_email_each(world):
    tap = TableStreamTap(world.dynamodb, world.streams, world.table)
    tap.take()  # what earlier tests wrote
    before = world.sent_by_ses()
    text, due = wall(8)
    for name in ("a", "b", "c"):
        world.put(name, REMINDER_TIMESTAMP=text, EMAIL=world.address(name))
    wait_for(lambda: len(world.schedules()) >= 3, 6, "the trigger to schedule three reminders")
    records = [r for r in tap.take() if r["dynamodb"]["Keys"]["PK"]["S"].startswith(world.tag)]
    assert len(records) == 3
    again = world.deployment.invoke(REMINDER, batch(records))
    assert again.ok and again.payload == {"batchItemFailures": []}
    wait_for(lambda: len(world.emails()) >= 3, 15, "three emails")
    time.sleep(1.5)  # room for a duplicate, which must not come
    emails = world.emails()
    assert sorted(address_of(f) for f in emails) == sorted(world.address(n) for n in "abc")
    assert world.sent_by_ses() - before == 3
    assert all(late(f, due) <= 2.0 for f in emails)


def test_a_record_delivered_again_after_its_email_went_out_sends_no_second_one(world):
    tap = TableStreamTap(world.dynamodb, world.streams, world.table)
    tap.take()
    before = world.sent_by_ses()
    text, _ = wall(4)
    world.put("resent", REMINDER_TIMESTAMP=text, EMAIL=world.address("resent"))
    wait_for(lambda: len(world.emails()) >= 1, 12, "the reminder")
    wait_for(lambda: world.schedules() == [], 5, "the schedule to delete itself")
    records = [r for r in tap.take() if r["dynamodb"]["Keys"]["PK"]["S"] == world.pk("resent")]
    assert len(records) == 1
    # The trigger delivers it again (it resends every record after one that failed): its
    # time has passed, so without idempotency it would be scheduled at once, a second email.
    again = world.deployment.invoke(REMINDER, batch(records))
    assert again.ok and again.payload == {"batchItemFailures": []}
    time.sleep(4.0)
    assert len(world.emails()) == 1
    assert world.sent_by_ses() - before == 1
    assert world.schedules() == []


def test_a_moved_appointment_is_sent_once_at_its_new_time_and_a_cancelled_one_never(world):
    first, first_due = wall(6)
    world.put("moved", REMINDER_TIMESTAMP=first, EMAIL=world.address("moved"))
    world.put("cancelled", REMINDER_TIMESTAMP=first, EMAIL=world.address("cancelled"))
    wait_for(lambda: len(world.schedules()) >= 2, 5, "two schedules")
    moved, moved_due = wall(11)
    world.put("moved", REMINDER_TIMESTAMP=moved, EMAIL=world.address("moved"))
    world.delete("cancelled")
    time.sleep(max(0.0, (first_due - dt.datetime.now(dt.UTC)).total_seconds() + 2.5))
    assert world.emails() == []  # neither at the old time
    wait_for(lambda: len(world.emails()) >= 1, 10, "the moved reminder")
    time.sleep(1.5)
    [email] = world.emails()
    assert address_of(email) == world.address("moved")
    assert 0 <= late(email, moved_due) <= 2.0


def test_an_appointment_already_past_is_sent_promptly(world):
    past, _ = wall(-120)
    written = dt.datetime.now(dt.UTC)
    world.put("past", REMINDER_TIMESTAMP=past, EMAIL=world.address("past"))
    wait_for(lambda: len(world.emails()) >= 1, 15, "the overdue reminder")
    [email] = world.emails()
    assert (dt.datetime.fromisoformat(email.finished) - written).total_seconds() <= 8.0


def test_malformed_items_reach_the_failure_queue_with_reasons_and_good_ones_are_sent(world):
    drain(world.sqs, world.failure_queue)
    text, due = wall(7)
    world.put_batch(
        {
            "good": {"REMINDER_TIMESTAMP": text, "EMAIL": world.address("good")},
            "bad-time": {"REMINDER_TIMESTAMP": "tomorrow-ish", "EMAIL": world.address("x")},
            "bad-email": {"REMINDER_TIMESTAMP": text, "EMAIL": "nobody-at-example.com"},
            "no-email": {"REMINDER_TIMESTAMP": text},
        }
    )
    letters: list[Any] = []
    wait_for(collect(letters, world.sqs, world.failure_queue, 3), 10, "three failure messages")
    time.sleep(1.0)
    letters.extend(drain(world.sqs, world.failure_queue))
    assert len(letters) == 3  # one letter each, no duplicate
    reasons = {
        json.loads(letter["body"]["source"]["keys"])["PK"]: letter["body"]["reason"]
        for letter in letters
    }
    assert set(reasons) == {world.pk("bad-time"), world.pk("bad-email"), world.pk("no-email")}
    assert "tomorrow-ish" in reasons[world.pk("bad-time")]
    assert "nobody-at-example.com" in reasons[world.pk("bad-email")]
    assert "EMAIL" in reasons[world.pk("no-email")]
    wait_for(lambda: len(world.emails()) >= 1, 12, "the good reminder")
    [email] = world.emails()
    assert address_of(email) == world.address("good")
    assert late(email, due) <= 2.0


def test_an_email_ses_refuses_at_fire_time_lands_in_the_target_dead_letter_queue(world):
    drain(world.sqs, world.target_dlq)
    ses = world.ses
    ses.delete_identity(Identity=world.sender)  # the sender is no longer verified
    try:
        text, _ = wall(6)
        world.put("refused", REMINDER_TIMESTAMP=text, EMAIL=world.address("refused"))
        letters: list[Any] = []
        wait_for(collect(letters, world.sqs, world.target_dlq, 1), 15, "the dead letter")
    finally:
        ses.verify_email_identity(EmailAddress=world.sender)
    [letter] = letters
    assert letter["attributes"]["ERROR_CODE"] == "MessageRejected"
    request = json.loads(letter["body"]["input"])
    assert request["Destination"]["ToAddresses"] == [world.address("refused")]
    assert world.emails() == []


def test_an_item_expires_within_two_seconds_of_its_time_and_a_moved_expiry_waits(world):
    soon, soon_due = wall(6)
    world.put("expiring", EXPIRES_AT=soon)
    world.put("postponed", EXPIRES_AT=soon)
    wait_for(lambda: len(world.schedules()) >= 2, 5, "two expiry schedules")
    later, _ = wall(60)
    world.put("postponed", EXPIRES_AT=later)
    wait_for(lambda: not world.exists("expiring"), 12, "the item to expire")
    gone_after = (dt.datetime.now(dt.UTC) - soon_due).total_seconds()
    assert -0.5 <= gone_after <= 2.0
    time.sleep(max(0.0, (soon_due - dt.datetime.now(dt.UTC)).total_seconds() + 2.5))
    assert world.exists("postponed")  # still there after its old time
    world.delete("postponed")  # and its expiry schedule goes with it
    wait_for(lambda: world.schedules() == [], 5, "no schedule left")
