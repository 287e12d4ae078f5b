"""The offline Scheduler refuses what the real service refuses (no emulator needed)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leda.scheduler.rules import Refused, fire_time, one_time_schedule

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def description(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/g/s",
        "GroupName": "g",
        "Name": "reminder-abc",
        "ScheduleExpression": "at(2026-11-23T13:30:00)",
        "ScheduleExpressionTimezone": "Europe/Paris",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "LastModificationDate": NOW,
        "State": "ENABLED",
        "Target": {
            "Arn": "arn:aws:scheduler:::aws-sdk:ses:sendEmail",
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "Input": json.dumps({"Source": "a@example.com"}),
            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
            "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:dlq"},
        },
    }
    base.update(changes)
    return base


def test_a_good_schedule_is_read_in_its_timezone():
    schedule = one_time_schedule(description())
    assert schedule.fires_at == dt.datetime(2026, 11, 23, 12, 30, tzinfo=dt.UTC)  # CET = UTC+1
    assert (schedule.service, schedule.action) == ("ses", "sendEmail")
    assert schedule.request == {"Source": "a@example.com"}
    assert schedule.retry.maximum_attempts == 3
    assert schedule.dead_letter_arn == "arn:aws:sqs:us-east-1:123456789012:dlq"
    assert schedule.delete_after_completion


def test_the_fingerprint_changes_with_the_time_and_the_target():
    first = one_time_schedule(description()).fingerprint
    moved = one_time_schedule(description(ScheduleExpression="at(2026-11-23T14:00:00)"))
    target = dict(description()["Target"], Input=json.dumps({"Source": "b@example.com"}))
    retargeted = one_time_schedule(description(Target=target))
    assert len({first, moved.fingerprint, retargeted.fingerprint}) == 3


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"Name": "x" * 65}, "schedule name"),
        ({"Name": "has space"}, "schedule name"),
        ({"Name": ""}, "schedule name"),
        ({"GroupName": "g/h"}, "schedule group name"),
        ({"ScheduleExpression": "at(not-a-date)"}, "not a one-time at"),
        ({"ScheduleExpression": "at(2026-11-23 13:30:00)"}, "not a one-time at"),
        ({"ScheduleExpression": "at(2026-02-30T10:00:00)"}, "day is out of range"),
        ({"ScheduleExpression": "rate(5 minutes)"}, "not fired offline"),
        ({"ScheduleExpressionTimezone": "Mars/Olympus"}, "not an IANA"),
        (
            {"ScheduleExpression": "at(2026-11-23T11:00:00)", "ScheduleExpressionTimezone": "UTC"},
            "in the past",
        ),
        ({"FlexibleTimeWindow": {}}, "FlexibleTimeWindow"),
    ],
)
def test_what_the_service_refuses_is_refused(changes, complaint):
    with pytest.raises(Refused, match=complaint):
        one_time_schedule(description(**changes))


@pytest.mark.parametrize(
    ("target_changes", "complaint"),
    [
        ({"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}, "universal target"),
        ({"RoleArn": ""}, "RoleArn"),
        ({"Input": "{not json"}, "not JSON"),
        ({"Input": "[1]"}, "JSON object"),
        ({"RetryPolicy": {"MaximumRetryAttempts": 186}}, "MaximumRetryAttempts"),
        ({"RetryPolicy": {"MaximumEventAgeInSeconds": 59}}, "MaximumEventAgeInSeconds"),
    ],
)
def test_bad_targets_are_refused(target_changes, complaint):
    target = dict(description()["Target"], **target_changes)
    with pytest.raises(Refused, match=complaint):
        one_time_schedule(description(Target=target))


def test_a_time_within_the_minute_it_was_written_is_not_in_the_past():
    schedule = one_time_schedule(
        description(ScheduleExpression="at(2026-11-23T11:59:30)", ScheduleExpressionTimezone="UTC")
    )
    assert schedule.fires_at < NOW


@given(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]),
)
def test_at_reads_back_the_wall_time_it_names(wall, zone):
    from zoneinfo import ZoneInfo

    instant = fire_time(f"at({wall.isoformat()})", zone)
    assert instant.tzinfo is dt.UTC
    assert instant == wall.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
