"""What EventBridge Scheduler itself refuses, checked where schedules are fired offline.

moto's Scheduler stores any name and any expression, so the firing side applies the service's
own rules (schedule and group names 1-64 of [0-9a-zA-Z-_.], at() read in the schedule's time
zone, universal targets `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`, 0-185 retry
attempts and 60-86,400 s of event age): a schedule the real service would have refused at
creation is refused here too and never fires. Offline must never be more lenient than AWS.

Deliberately written apart from the function's own code (functions/leda_reminders/schedules.py):
this module plays the service, so a mistake in the function cannot hide behind it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

NAME = re.compile(r"[0-9A-Za-z_.-]{1,64}", re.ASCII)  # schedule and group names
AT = re.compile(r"at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)", re.ASCII)
UNIVERSAL_TARGET = re.compile(r"arn:aws:scheduler:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)", re.ASCII)
RETRY_ATTEMPTS = (0, 185)
DEFAULT_RETRY_ATTEMPTS = 185  # the service's defaults when a target names no policy
DEFAULT_EVENT_AGE_SECONDS = 86_400
EVENT_AGE_SECONDS = (60, 86_400)
# at() is honoured to the minute: a time before the minute in which the schedule was written
# is in the past (the service refuses such one-time schedules at creation).
PAST_TOLERANCE = dt.timedelta(seconds=60)


class Refused(ValueError):
    """The real service would not have accepted this schedule; the message says why."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    maximum_attempts: int = DEFAULT_RETRY_ATTEMPTS
    maximum_event_age_seconds: int = DEFAULT_EVENT_AGE_SECONDS


@dataclass(frozen=True, slots=True)
class OneTimeSchedule:
    """A schedule as the firing side needs it, every field checked."""

    group: str
    name: str
    arn: str
    fires_at: dt.datetime  # UTC
    service: str  # of the universal target, e.g. "ses"
    action: str  # e.g. "sendEmail"
    target_arn: str
    request: dict[str, Any]  # the target's Input, the API request
    retry: RetryPolicy
    dead_letter_arn: str | None
    delete_after_completion: bool
    fingerprint: str  # changes whenever anything that matters changes
    role_arn: str = ""  # the role the Scheduler assumes to call the target


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_name(kind: str, name: str) -> None:
    if not NAME.fullmatch(name):
        raise Refused(f"{kind} name {name!r} breaks the rule: 1-64 of [0-9A-Za-z_.-]")


def fire_time(expression: str, timezone: str) -> dt.datetime:
    """The UTC instant of `at(yyyy-mm-ddThh:mm:ss)` read in `timezone`."""
    if timezone not in _zones():
        raise Refused(f"ScheduleExpressionTimezone {timezone!r} is not an IANA time zone")
    match = AT.fullmatch(expression)
    if match is None:
        raise Refused(
            f"ScheduleExpression {expression!r} is not a one-time at(yyyy-mm-ddThh:mm:ss) "
            "(rate() and cron() schedules are not fired offline)"
        )
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        wall = dt.datetime(year, month, day, hour, minute, second)
    except ValueError as error:
        raise Refused(f"ScheduleExpression {expression!r}: {error}") from None
    return wall.replace(tzinfo=ZoneInfo(timezone)).astimezone(dt.UTC)


def _retry(target: dict[str, Any]) -> RetryPolicy:
    policy = target.get("RetryPolicy") or {}
    attempts = int(policy.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS))
    age = int(policy.get("MaximumEventAgeInSeconds", DEFAULT_EVENT_AGE_SECONDS))
    if not RETRY_ATTEMPTS[0] <= attempts <= RETRY_ATTEMPTS[1]:
        raise Refused(f"MaximumRetryAttempts {attempts} is outside {RETRY_ATTEMPTS}")
    if not EVENT_AGE_SECONDS[0] <= age <= EVENT_AGE_SECONDS[1]:
        raise Refused(f"MaximumEventAgeInSeconds {age} is outside {EVENT_AGE_SECONDS}")
    return RetryPolicy(attempts, age)


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    return None


def one_time_schedule(description: dict[str, Any]) -> OneTimeSchedule:
    """A GetSchedule answer, checked against the service's rules."""
    group = str(description.get("GroupName") or "default")
    name = str(description.get("Name") or "")
    check_name("schedule group", group)
    check_name("schedule", name)
    expression = str(description.get("ScheduleExpression") or "")
    fires_at = fire_time(expression, str(description.get("ScheduleExpressionTimezone") or "UTC"))
    written = _moment(description.get("LastModificationDate"))
    if written is not None and fires_at < written - PAST_TOLERANCE:
        raise Refused(
            f"{expression} was already in the past when the schedule was written "
            f"({written.isoformat(timespec='seconds')})"
        )
    window = description.get("FlexibleTimeWindow") or {}
    if window.get("Mode") not in ("OFF", "FLEXIBLE"):
        raise Refused(f"FlexibleTimeWindow {window!r} needs Mode OFF or FLEXIBLE")
    target = description.get("Target") or {}
    target_arn = str(target.get("Arn") or "")
    universal = UNIVERSAL_TARGET.fullmatch(target_arn)
    if universal is None:
        raise Refused(
            f"target {target_arn!r} is not a universal target "
            "arn:aws:scheduler:::aws-sdk:<service>:<apiAction> (the only kind fired offline)"
        )
    if not target.get("RoleArn"):
        raise Refused("the target has no RoleArn")
    try:
        request = json.loads(target.get("Input") or "{}")
    except json.JSONDecodeError as error:
        raise Refused(f"the target's Input is not JSON: {error}") from None
    if not isinstance(request, dict):
        raise Refused("the target's Input is not a JSON object (the API request)")
    dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn") or None
    fingerprint = json.dumps(
        [expression, description.get("ScheduleExpressionTimezone"), target, window],
        sort_keys=True,
        default=str,
    )
    return OneTimeSchedule(
        group=group,
        name=name,
        arn=str(description.get("Arn") or f"schedule/{group}/{name}"),
        fires_at=fires_at,
        service=universal.group(1),
        action=universal.group(2),
        target_arn=target_arn,
        request=request,
        retry=_retry(target),
        dead_letter_arn=dead_letter,
        delete_after_completion=description.get("ActionAfterCompletion") == "DELETE",
        fingerprint=fingerprint,
        role_arn=str(target.get("RoleArn") or ""),
    )
