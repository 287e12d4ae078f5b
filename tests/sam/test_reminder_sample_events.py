"""ReminderLambda's sample events, run through the built artifact against moto's Scheduler and
SQS, do what README.md ("Debug one function") says they do.

The function gets events/env.json's values for it, with the schedule group, the failure queue
and the endpoints swapped for this test's own. The samples follow one appointment (PK 1) through
its life: booked, moved, annotated, cancelled; a separate batch holds a malformed item next to a
good one.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.sam import env_file, resources
from tests.sam.project import EVENTS_DIR
from tests.support.tables import create_idempotency_table

pytestmark = [pytest.mark.sam_build, pytest.mark.emulator]

SAMPLES = EVENTS_DIR / "reminder_lambda"
INSERT = SAMPLES / "insert.json"
MODIFY_TIME = SAMPLES / "modify-time.json"
MODIFY_OTHER = SAMPLES / "modify-other.json"
REMOVE = SAMPLES / "remove.json"
MALFORMED = SAMPLES / "malformed.json"
SEND_EMAIL = "arn:aws:scheduler:::aws-sdk:ses:sendEmail"
NO_FAILURES: dict[str, list[Any]] = {"batchItemFailures": []}


def records(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text())["Records"])


def plain(image: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: value["S"] for name, value in image.items()}


@pytest.fixture
def reminder_env(env_values, local_endpoints, scheduler, sqs, dynamodb) -> dict[str, str]:
    """env.json's ReminderLambda values, on a fresh schedule group, failure queue and
    idempotency table (the sample events' eventIDs would otherwise be seen before)."""
    group = f"Reminders-{uuid.uuid4().hex[:8]}"
    scheduler.create_schedule_group(Name=group)
    failure_queue = sqs.create_queue(QueueName=f"ReminderFailureQueue-{uuid.uuid4().hex[:8]}")
    ours = {
        **local_endpoints,
        "SCHEDULE_GROUP_NAME": group,
        "FAILURE_QUEUE_URL": failure_queue["QueueUrl"],
        "IDEMPOTENCY_TABLE_NAME": create_idempotency_table(dynamodb),
    }
    return env_file.with_overrides(env_file.for_function(env_values, "ReminderLambda"), ours)


def schedules(scheduler, group: str) -> dict[str, dict[str, Any]]:
    """Every schedule of the group, as GetSchedule describes it."""
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
    found = {}
    for name in names:
        schedule = scheduler.get_schedule(Name=name, GroupName=group)
        schedule.pop("ResponseMetadata", None)
        found[name] = schedule
    return found


def invoke_ok(invoke_artifact, event: Path, environment: dict[str, str]) -> None:
    invocation = invoke_artifact("ReminderLambda", event, environment)
    assert invocation.ok, invocation.describe()
    assert invocation.result == NO_FAILURES, invocation.describe()


def test_samples_are_what_they_claim_to_be():
    """One appointment's life (each image the previous one's successor), then a bad batch."""
    [insert], [moved], [noted], [removed] = (
        records(path) for path in (INSERT, MODIFY_TIME, MODIFY_OTHER, REMOVE)
    )
    assert [r["eventName"] for r in (insert, moved, noted, removed)] == [
        "INSERT",
        "MODIFY",
        "MODIFY",
        "REMOVE",
    ]
    every = [insert, moved, noted, removed, *records(MALFORMED)]
    for record in every:
        stream = record["dynamodb"]
        assert record["eventSource"] == "aws:dynamodb"
        assert stream["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert set(stream["Keys"]) == {"PK", "SK"}
        assert ":table/leda-local-AppointmentTable/stream/" in record["eventSourceARN"]
        for image in ("NewImage", "OldImage"):
            if image in stream:
                assert {k: stream[image][k] for k in ("PK", "SK")} == stream["Keys"]
    assert len({r["eventID"] for r in every}) == len(
        {r["dynamodb"]["SequenceNumber"] for r in every}
    )
    assert len({r["eventID"] for r in every}) == len(every)

    booked = plain(insert["dynamodb"]["NewImage"])
    assert "OldImage" not in insert["dynamodb"]
    assert plain(moved["dynamodb"]["OldImage"]) == booked
    after_move = plain(moved["dynamodb"]["NewImage"])
    assert {k for k in booked if booked[k] != after_move[k]} == {"REMINDER_TIMESTAMP"}
    assert plain(noted["dynamodb"]["OldImage"]) == after_move
    after_note = plain(noted["dynamodb"]["NewImage"])
    assert {k for k in after_move if after_move[k] != after_note[k]} == {"ATTR_1"}
    assert plain(removed["dynamodb"]["OldImage"]) == after_note
    assert "NewImage" not in removed["dynamodb"]

    bad, good = records(MALFORMED)
    assert bad["eventName"] == good["eventName"] == "INSERT"
    assert plain(bad["dynamodb"]["NewImage"])["REMINDER_TIMESTAMP"] == "next Tuesday at 9"


def test_an_appointment_is_scheduled_moved_left_alone_and_cancelled(
    invoke_artifact, reminder_env, scheduler, sqs
):
    group = reminder_env["SCHEDULE_GROUP_NAME"]

    invoke_ok(invoke_artifact, INSERT, reminder_env)
    [(name, booked)] = schedules(scheduler, group).items()
    assert name.startswith("reminder-")
    assert (booked["ScheduleExpression"], booked["ScheduleExpressionTimezone"]) == (
        "at(2036-03-02T09:30:00)",
        "Europe/Paris",
    )
    assert booked["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert booked["ActionAfterCompletion"] == "DELETE"
    target = booked["Target"]
    assert target["Arn"] == SEND_EMAIL
    assert target["RoleArn"] == reminder_env["SCHEDULER_ROLE_ARN"]
    assert target["DeadLetterConfig"] == {"Arn": reminder_env["TARGET_DEAD_LETTER_QUEUE_ARN"]}
    request = json.loads(target["Input"])
    assert request["Source"] == reminder_env["SENDER_EMAIL"]
    assert request["Destination"] == {"ToAddresses": ["ann@example.com"]}

    invoke_ok(invoke_artifact, MODIFY_TIME, reminder_env)
    [(same, moved)] = schedules(scheduler, group).items()
    assert same == name
    assert moved["ScheduleExpression"] == "at(2036-03-02T11:00:00)"
    assert moved["ScheduleExpressionTimezone"] == "Europe/Paris"

    invoke_ok(invoke_artifact, MODIFY_OTHER, reminder_env)
    assert schedules(scheduler, group) == {name: moved}  # nothing the reminder depends on

    invoke_ok(invoke_artifact, REMOVE, reminder_env)
    assert schedules(scheduler, group) == {}

    # A replay changes nothing: deleting a schedule that is gone is success.
    invoke_ok(invoke_artifact, REMOVE, reminder_env)
    assert resources.dead_letters(sqs, reminder_env["FAILURE_QUEUE_URL"]) == []


def test_a_malformed_item_goes_to_the_failure_queue_and_the_batch_goes_on(
    invoke_artifact, reminder_env, scheduler, sqs
):
    bad, good = records(MALFORMED)
    invoke_ok(invoke_artifact, MALFORMED, reminder_env)  # not a batch item failure

    [letter] = resources.dead_letters(sqs, reminder_env["FAILURE_QUEUE_URL"])
    assert letter["function"] == "ReminderLambda"
    assert "REMINDER_TIMESTAMP" in letter["reason"]
    assert "next Tuesday at 9" in letter["reason"]
    assert letter["source"]["eventID"] == bad["eventID"]
    assert letter["source"]["sequenceNumber"] == bad["dynamodb"]["SequenceNumber"]
    assert json.loads(letter["payload"]) == bad

    # The good record of the same batch is scheduled.
    [schedule] = schedules(scheduler, reminder_env["SCHEDULE_GROUP_NAME"]).values()
    assert schedule["ScheduleExpression"] == "at(2036-03-03T08:15:00)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert json.loads(schedule["Target"]["Input"])["Destination"] == {
        "ToAddresses": [plain(good["dynamodb"]["NewImage"])["EMAIL"]]
    }


def test_without_the_failure_queue_a_malformed_item_fails_its_record(
    invoke_artifact, reminder_env, scheduler
):
    """SAM passes FAILURE_QUEUE_URL empty by default (template.yaml): nothing is dropped."""
    environment = {**reminder_env, "FAILURE_QUEUE_URL": ""}
    bad, _ = records(MALFORMED)
    invocation = invoke_artifact("ReminderLambda", MALFORMED, environment)
    assert invocation.ok, invocation.describe()
    assert invocation.result == {
        "batchItemFailures": [{"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}]
    }
    assert len(schedules(scheduler, reminder_env["SCHEDULE_GROUP_NAME"])) == 1
