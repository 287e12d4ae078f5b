"""Appointments as the stream delivers them: a deserialized image, validated field by field.

Every rejection is a BadAppointment naming the field and what it may hold, so the record that
carries it reaches the failure destination with a reason a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from leda_lambda.dead_letter import Unprocessable

TIME_FORMAT = "yyyy-mm-ddThh:mm:ss, optionally followed by Z or an offset +hh:mm / -hh:mm"
MAX_EMAIL_LENGTH = 254

# Strict on purpose: no fractions, no week dates, no space for T; what Scheduler's at() takes.
_TIME = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})T(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"(?P<zone>Z|(?P<sign>[+-])(?P<oh>\d{2}):(?P<om>\d{2}))?",
    re.ASCII,
)


class BadAppointment(Unprocessable):
    """An item no retry can schedule: the record goes to the failure queue with its reason."""


@dataclass(frozen=True, slots=True)
class DueTime:
    """A time as the item states it, and the wall clock Scheduler is to read it on.

    `wall` is naive and read in `timezone`; a timestamp with an explicit offset is converted
    to UTC wall time with timezone "UTC". `text` is the attribute exactly as stored: the
    expiry's conditional delete compares against it.
    """

    text: str
    wall: datetime
    timezone: str

    @property
    def instant(self) -> datetime:
        """The UTC instant; a wall time a DST change skips or repeats reads as its first offset
        (fold=0), which only matters for the due-now decision: Scheduler gets the wall time."""
        return self.wall.replace(tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Reminder:
    at: DueTime
    email: str


@dataclass(frozen=True, slots=True)
class Appointment:
    pk: str
    sk: str
    reminder: Reminder | None
    expires_at: DueTime | None
    attr_1: object = None
    expires_attribute: str = "EXPIRES_AT"  # the item's spelling, which the expiry's delete names


# Files some system tz databases list as zones but which name this machine's setting, not a
# place: the same item must not mean different times on different hosts.
_NOT_ZONES = frozenset({"localtime", "posixrules"})


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_ZONES


def zone(name: str) -> ZoneInfo:
    """An IANA zone known to this runtime's tz database; ValueError otherwise.

    Membership in available_timezones() first, because ZoneInfo alone opens any file under
    the database's directories (posix/..., right/..., localtime).
    """
    if name not in _zone_names():
        raise ValueError(f"{name!r} is not an IANA time zone name such as Europe/Paris or UTC")
    return ZoneInfo(name)


def parse_key(image: Mapping[str, object]) -> tuple[str, str]:
    """PK and SK: the table's key, non-empty strings (DynamoDB allows nothing else)."""
    values = []
    for field in ("PK", "SK"):
        value = image.get(field)
        if not isinstance(value, str) or not value:
            raise BadAppointment(f"{field} is missing or not a non-empty string: {value!r}")
        values.append(value)
    return values[0], values[1]


def parse_time(field: str, value: object, default_timezone: str) -> DueTime:
    """One time attribute; a naive time is read in default_timezone (the item's or the
    function's), an explicit offset makes it an absolute instant sent as UTC."""
    if not isinstance(value, str):
        raise BadAppointment(f"{field} must be a string {TIME_FORMAT}, not {value!r}")
    match = _TIME.fullmatch(value)
    if match is None:
        raise BadAppointment(f"{field} must be {TIME_FORMAT}: {value!r}")
    try:
        y, mo, d, h, mi, s = (int(match[part]) for part in ("y", "mo", "d", "h", "mi", "s"))
        wall = datetime(y, mo, d, h, mi, s)
        if match["zone"] is None:
            return DueTime(value, wall, default_timezone)
        offset = timedelta(hours=int(match["oh"] or 0), minutes=int(match["om"] or 0))
        if match["sign"] == "-":
            offset = -offset
        absolute = wall.replace(tzinfo=timezone(offset)).astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise BadAppointment(f"{field} is not a valid {TIME_FORMAT}: {value!r} ({error})") from None
    return DueTime(value, absolute.replace(tzinfo=None), "UTC")


def check_email(value: object) -> str:
    """The rule, simple on purpose (SES has the last word): at most 254 characters, no
    whitespace or control characters, exactly one @, a non-empty local part, and a domain of
    at least two non-empty dot-separated labels."""
    field = "EMAIL"
    if not isinstance(value, str):
        raise BadAppointment(f"{field} must be a string address, not {value!r}")
    if len(value) > MAX_EMAIL_LENGTH:
        raise BadAppointment(f"{field} is longer than {MAX_EMAIL_LENGTH} characters")
    if any(char.isspace() or not char.isprintable() for char in value):
        raise BadAppointment(f"{field} must not contain spaces or control characters: {value!r}")
    if value.count("@") != 1:
        raise BadAppointment(f"{field} must contain exactly one @: {value!r}")
    local, domain = value.split("@")
    if not local:
        raise BadAppointment(f"{field} has an empty part before the @: {value!r}")
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        raise BadAppointment(
            f"{field} needs a domain with a dot and no empty label after the @: {value!r}"
        )
    return value


# The attributes the function reads besides the key. Their names are matched without regard to
# case: the blog's own test data writes the address as `email`, other writers use `EMAIL`, and
# both mean the same thing. An item that spells one attribute two ways with different values
# is refused rather than guessed at. PK and SK are the table's key schema and stay exact.
ATTRIBUTES = ("REMINDER_TIMESTAMP", "EMAIL", "TIMEZONE", "EXPIRES_AT", "ATTR_1")


def spelled(image: Mapping[str, object], name: str) -> tuple[str, object]:
    """(the item's own spelling, the value) of attribute `name` (upper case); (name, None) if
    absent. The spelling matters where a request names the attribute (the expiry's delete)."""
    present = {
        key: value for key, value in image.items() if key.upper() == name and value is not None
    }
    values = list(present.values())
    if any(value != values[0] for value in values[1:]):
        written = " and ".join(f"{key}={value!r}" for key, value in sorted(present.items()))
        raise BadAppointment(
            f"{name} is given {len(present)} times with different values ({written}); "
            "attribute names are matched without regard to case, so keep one"
        )
    return (min(present), values[0]) if present else (name, None)


def attribute(image: Mapping[str, object], name: str) -> object:
    """The value of attribute `name` (upper case), however the item spells it; None if absent."""
    return spelled(image, name)[1]


def parse_appointment(image: Mapping[str, object], default_timezone: str) -> Appointment:
    """Validate one image; absent and NULL attributes (None) are the same thing.

    default_timezone is the function's configuration: a bad one is a ValueError, not a
    BadAppointment, because no record is at fault. TIMEZONE is validated even when the
    timestamps carry offsets (which then take precedence).
    """
    zone(default_timezone)
    pk, sk = parse_key(image)
    timezone_name = default_timezone
    raw_zone = attribute(image, "TIMEZONE")
    if raw_zone is not None:
        if not isinstance(raw_zone, str):
            raise BadAppointment(f"TIMEZONE must be an IANA time zone name, not {raw_zone!r}")
        try:
            zone(raw_zone)
        except ValueError as error:
            raise BadAppointment(f"TIMEZONE: {error}") from None
        timezone_name = raw_zone
    reminder = None
    raw_reminder = attribute(image, "REMINDER_TIMESTAMP")
    if raw_reminder is not None:
        at = parse_time("REMINDER_TIMESTAMP", raw_reminder, timezone_name)
        raw_email = attribute(image, "EMAIL")
        if raw_email is None:
            raise BadAppointment("EMAIL is required when REMINDER_TIMESTAMP is set")
        reminder = Reminder(at, check_email(raw_email))
    expiry_name, raw_expiry = spelled(image, "EXPIRES_AT")
    expires_at = None if raw_expiry is None else parse_time("EXPIRES_AT", raw_expiry, timezone_name)
    return Appointment(
        pk, sk, reminder, expires_at, attribute(image, "ATTR_1"), expires_attribute=expiry_name
    )
