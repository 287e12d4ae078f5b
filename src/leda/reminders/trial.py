"""The reminders blog's own test, replayed offline: N appointments due shortly, then count.

Items as the blog's test script writes them: PK 1..N, SK "StaticSK", the address in `email`
(lower case: the function matches attribute names without regard to case), ATTR_1, due
`in_seconds` from now (UTC). The report holds
every email SES accepted for them (address, due, sent, seconds late), the schedules left in the
stack's groups, and the contents of both dead-letter destinations: the trigger's failure
queue (items the function could not schedule) and the schedules' target queue (sends that
failed when they fired). Exactly-once is read off it: one email per appointment, none late by
more than the tolerance, nothing left, nothing dead-lettered.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from leda.deployment.deployment import Deployment
from leda.scheduler.firing import Firing, Outcome

STATIC_SK = "StaticSK"
SEND_EMAIL = "arn:aws:scheduler:::aws-sdk:ses:sendEmail"
LATE_TOLERANCE_SECONDS = 2.0
FAILURE_QUEUE_OUTPUT = "reminderFailureQueueUrl"
TARGET_DEAD_LETTER_OUTPUT = "reminderDeadLetterQueueUrl"
TABLE_OUTPUT = "appointmentTableName"


@dataclass(frozen=True)
class Appointment:
    pk: str
    email: str
    due: dt.datetime  # UTC, whole seconds

    def item(self) -> dict[str, Any]:
        return {
            "PK": {"S": self.pk},
            "SK": {"S": STATIC_SK},
            "email": {"S": self.email},  # the blog's spelling
            "REMINDER_TIMESTAMP": {"S": self.due.strftime("%Y-%m-%dT%H:%M:%S")},
            "ATTR_1": {"S": f"appointment {self.pk}"},
        }


@dataclass(frozen=True)
class EmailSent:
    address: str
    due: str
    sent: str
    seconds_late: float


@dataclass
class ReminderReport:
    appointments: int
    emails: list[EmailSent] = field(default_factory=list)
    schedules_left: list[dict[str, str]] = field(default_factory=list)
    dead_letters: dict[str, list[Any]] = field(default_factory=dict)  # queue -> messages
    refused: list[dict[str, str]] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """What keeps this run from being exactly one email per appointment, on time."""
        found: list[str] = []
        by_address: dict[str, int] = {}
        for email in self.emails:
            by_address[email.address] = by_address.get(email.address, 0) + 1
        twice = sorted(address for address, count in by_address.items() if count > 1)
        if len(by_address) != self.appointments:
            found.append(f"{len(by_address)} of {self.appointments} appointments got an email")
        if twice:
            found.append(f"more than one email to {', '.join(twice)}")
        late = [e for e in self.emails if e.seconds_late > LATE_TOLERANCE_SECONDS]
        if late:
            worst = max(e.seconds_late for e in late)
            found.append(
                f"{len(late)} emails later than {LATE_TOLERANCE_SECONDS} s (worst {worst})"
            )
        if self.schedules_left:
            found.append(f"{len(self.schedules_left)} schedules left")
        for queue, messages in self.dead_letters.items():
            if messages:
                found.append(f"{len(messages)} messages in {queue}")
        if self.refused:
            found.append(f"{len(self.refused)} schedules refused")
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "emails": [asdict(email) for email in self.emails],
            "schedules_left": self.schedules_left,
            "dead_letters": self.dead_letters,
        }


def appointments(count: int, in_seconds: float, now: dt.datetime) -> list[Appointment]:
    due = (now + dt.timedelta(seconds=in_seconds)).astimezone(dt.UTC)
    due = due.replace(microsecond=0) + (
        dt.timedelta(seconds=1) if due.microsecond else dt.timedelta()
    )
    return [Appointment(str(n), f"person-{n}@example.com", due) for n in range(1, count + 1)]


def emails_for(firings: Sequence[Firing], wanted: Sequence[Appointment]) -> list[EmailSent]:
    """The emails SES accepted for these appointments, with lateness against the item's time."""
    due_by_address = {a.email: a.due for a in wanted}
    sent: list[EmailSent] = []
    for firing in firings:
        if firing.target != SEND_EMAIL or firing.outcome != Outcome.DELIVERED:
            continue
        for address in firing.request.get("Destination", {}).get("ToAddresses", []):
            due = due_by_address.get(address)
            if due is None:
                continue
            finished = dt.datetime.fromisoformat(firing.finished)
            sent.append(
                EmailSent(
                    address=address,
                    due=due.isoformat(),
                    sent=firing.finished,
                    seconds_late=round((finished - due).total_seconds(), 3),
                )
            )
    return sorted(sent, key=lambda email: (email.sent, email.address))


def write(dynamodb: Any, table: str, wanted: Sequence[Appointment]) -> None:
    """BatchWriteItem, 25 at a time, unprocessed items sent again until none is left."""
    for start in range(0, len(wanted), 25):
        requests = [{"PutRequest": {"Item": a.item()}} for a in wanted[start : start + 25]]
        pending: dict[str, Any] = {table: requests}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def drain(sqs: Any, url: str) -> list[Any]:
    """Every message of a queue (taken: the offline queues end with the run anyway)."""
    taken: list[Any] = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return taken
        for message in messages:
            try:
                body: Any = json.loads(message["Body"])
            except json.JSONDecodeError:
                body = message["Body"]
            attributes = {
                name: value.get("StringValue")
                for name, value in message.get("MessageAttributes", {}).items()
            }
            taken.append({"body": body, **({"attributes": attributes} if attributes else {})})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def schedules_left(scheduler: Any, groups: Sequence[str]) -> list[dict[str, str]]:
    left: list[dict[str, str]] = []
    for group in groups:
        for summary in scheduler.list_schedules(GroupName=group).get("Schedules", []):
            left.append(
                {
                    "group": group,
                    "name": summary["Name"],
                    "expression": str(summary.get("ScheduleExpression", "")),
                }
            )
    return left


def run_trial(
    deployment: Deployment,
    count: int,
    in_seconds: float,
    progress: Callable[[str], None] = lambda _: None,
    settle_seconds: float = 30.0,
) -> ReminderReport:
    """Write the appointments on a started deployment, wait for their emails, and report."""
    groups = deployment.plan.schedule_groups
    deployment.fired_schedules()  # refuses a stack with no schedule group, before writing
    scheduler = deployment.cloud.client("scheduler")
    sqs = deployment.cloud.client("sqs")
    wanted = appointments(count, in_seconds, dt.datetime.now(dt.UTC))
    progress(f"writing {count} appointments due at {wanted[0].due:%H:%M:%S} UTC")
    write(deployment.cloud.client("dynamodb"), deployment.output(TABLE_OUTPUT), wanted)
    deadline = wanted[0].due.timestamp() + settle_seconds
    while time.time() < deadline:
        sent = emails_for(deployment.fired_schedules()[0], wanted)
        left = schedules_left(scheduler, groups)
        wait = max(0.0, wanted[0].due.timestamp() - time.time())
        progress(
            f"{len({e.address for e in sent})}/{count} reminders sent, {len(left)} schedules "
            f"waiting" + (f", first due in {wait:.0f} s" if wait >= 1 else "")
        )
        if len(sent) >= count and not left:
            break
        deployment.cloud.wait(0.2)
    deployment.cloud.wait(0.5)  # room for a second email, which must not come
    firings, refusals = deployment.fired_schedules()
    outputs = deployment.plan.outputs
    queues = {
        output: deployment.local(str(outputs[output]))
        for output in (FAILURE_QUEUE_OUTPUT, TARGET_DEAD_LETTER_OUTPUT)
        if outputs.get(output)
    }
    return ReminderReport(
        appointments=count,
        emails=emails_for(firings, wanted),
        schedules_left=schedules_left(scheduler, groups),
        dead_letters={name.removesuffix("Url"): drain(sqs, url) for name, url in queues.items()},
        refused=[asdict(refusal) for refusal in refusals],
    )
