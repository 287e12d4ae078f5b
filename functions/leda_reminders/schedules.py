"""One-time schedules: their names and their at() times.

Names come from the item's key, not from the stream record, so an appointment can be found
again to move or cancel it, and a retried or duplicated record lands on the same schedule.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from leda_reminders.items import DueTime

REMINDER_PREFIX = "reminder-"
EXPIRY_PREFIX = "expiry-"
DIGEST_HEX_CHARS = 40  # 160 bits: collisions need ~2**80 keys; the longest name is 49 chars
SCHEDULE_NAME = re.compile(r"[0-9A-Za-z_.-]{1,64}", re.ASCII)  # Scheduler's rule for names

# Scheduler invokes a one-time schedule somewhere in the minute its at() names (60 s
# precision, flexible window off), so a time inside the next minute may fire at once.
DUE_NOW_WINDOW = timedelta(seconds=60)
# A time already passed (or about to) is replaced by now + this, whole seconds, in UTC: far
# enough ahead that the create call lands before it (a one-time time in the past is reported
# to be refused), near enough that the reminder still goes out promptly.
PROMPT_LEAD = timedelta(seconds=2)


def key_digest(pk: str, sk: str) -> str:
    """Hex SHA-256 of the key, truncated; the PK's UTF-8 length comes first, so no two
    (PK, SK) pairs hash the same bytes whatever characters they hold (a separator character
    could also occur inside a PK)."""
    pk_bytes = pk.encode()
    data = len(pk_bytes).to_bytes(8, "big") + pk_bytes + sk.encode()
    return hashlib.sha256(data).hexdigest()[:DIGEST_HEX_CHARS]


def reminder_schedule_name(pk: str, sk: str) -> str:
    return REMINDER_PREFIX + key_digest(pk, sk)


def expiry_schedule_name(pk: str, sk: str) -> str:
    return EXPIRY_PREFIX + key_digest(pk, sk)


def is_valid_schedule_name(name: str) -> bool:
    return SCHEDULE_NAME.fullmatch(name) is not None


def at_expression(wall: datetime) -> str:
    """`at(yyyy-mm-ddThh:mm:ss)`; seconds kept although Scheduler reads them to the minute."""
    return f"at({wall.replace(tzinfo=None, microsecond=0).isoformat(timespec='seconds')})"


@dataclass(frozen=True, slots=True)
class ScheduleTime:
    """What to send as ScheduleExpression and ScheduleExpressionTimezone.

    fires_at is the UTC instant the expression names (the offline firing side fires there;
    Scheduler anywhere in that minute). due_now: the due time has passed or is within
    DUE_NOW_WINDOW, so the reminder goes out at once rather than at a distant time.
    """

    expression: str
    timezone: str
    fires_at: datetime
    due_now: bool


def _ceil_second(moment: datetime) -> datetime:
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def schedule_time(due: DueTime, now: datetime) -> ScheduleTime:
    """The item's own time in its own zone while it is ahead of now + PROMPT_LEAD; otherwise
    now + PROMPT_LEAD rounded up to the second, in UTC.

    Not the next whole minute: that would make a reminder due in a few seconds up to a minute
    late wherever the stated time is honoured to the second (offline), while a time in the
    current minute fires within it on Scheduler anyway.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    instant = due.instant
    due_now = instant <= now + DUE_NOW_WINDOW
    earliest = _ceil_second(now.astimezone(UTC) + PROMPT_LEAD)
    if instant >= earliest:
        return ScheduleTime(at_expression(due.wall), due.timezone, instant, due_now)
    return ScheduleTime(at_expression(earliest), "UTC", earliest, due_now)
