"""What one stream record means for the item's two schedules: reminder email and expiry.

Actions are idempotent: CREATE_OR_UPDATE puts the whole schedule under a name derived from the
key, DELETE of a missing schedule is success, so a retried or duplicated record converges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from leda_reminders.items import Appointment, BadAppointment, DueTime, parse_appointment, parse_key
from leda_reminders.schedules import (
    ScheduleTime,
    expiry_schedule_name,
    reminder_schedule_name,
    schedule_time,
)

SUBJECT = "Time for your appointment"
MAX_SUBJECT_LENGTH = 200


class ActionKind(StrEnum):
    CREATE_OR_UPDATE = "CREATE_OR_UPDATE"
    DELETE = "DELETE"


class TargetKind(StrEnum):
    EMAIL = "EMAIL"  # SES SendEmail; the caller adds the configured sender
    EXPIRE = "EXPIRE"  # DynamoDB DeleteItem on the caller's table


@dataclass(frozen=True, slots=True)
class EmailTarget:
    to_address: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class ExpireTarget:
    """Delete the item (PK, SK) only if EXPIRES_AT still holds expires_at: a moved expiry's
    stale schedule then finds a different value and deletes nothing."""

    pk: str
    sk: str
    expires_at: str
    attribute: str = "EXPIRES_AT"  # as the item spells it (names are matched without case)


@dataclass(frozen=True, slots=True)
class Action:
    """One Scheduler call; time and target only for CREATE_OR_UPDATE."""

    kind: ActionKind
    schedule_name: str
    target_kind: TargetKind
    time: ScheduleTime | None = None
    target: EmailTarget | ExpireTarget | None = None

    def __post_init__(self) -> None:
        creates = self.kind is ActionKind.CREATE_OR_UPDATE
        if creates != (self.time is not None) or creates != (self.target is not None):
            raise ValueError("time and target go with CREATE_OR_UPDATE, and only with it")
        expected = EmailTarget if self.target_kind is TargetKind.EMAIL else ExpireTarget
        if self.target is not None and not isinstance(self.target, expected):
            raise ValueError(f"a {self.target_kind} action needs an {expected.__name__}")


@dataclass(frozen=True, slots=True)
class _Spec:
    """Everything a schedule's content depends on apart from `now`: equal specs, same schedule."""

    due: DueTime
    target: EmailTarget | ExpireTarget


def _one_line(text: str) -> str:
    """Keys may hold newlines or control characters; a subject must be one printable line."""
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return cleaned[:MAX_SUBJECT_LENGTH]


def _when(due: DueTime) -> str:
    """The time as the item states it, with the zone it is read in when it names none (a
    time without offset is stored exactly as its wall time's isoformat)."""
    return due.text if due.text != due.wall.isoformat() else f"{due.text} ({due.timezone})"


def email_target(pk: str, sk: str, due: DueTime, to_address: str) -> EmailTarget:
    subject = _one_line(f"{SUBJECT}: {pk} / {sk}")
    body = (
        f"This is a reminder of your appointment at {_when(due)}.\n"
        f"\n"
        f"Appointment: PK {pk}, SK {sk}\n"
    )
    return EmailTarget(to_address, subject, body)


def _specs(appointment: Appointment) -> dict[TargetKind, _Spec]:
    specs: dict[TargetKind, _Spec] = {}
    pk, sk = appointment.pk, appointment.sk
    if appointment.reminder is not None:
        due = appointment.reminder.at
        specs[TargetKind.EMAIL] = _Spec(due, email_target(pk, sk, due, appointment.reminder.email))
    if appointment.expires_at is not None:
        due = appointment.expires_at
        specs[TargetKind.EXPIRE] = _Spec(
            due, ExpireTarget(pk, sk, due.text, appointment.expires_attribute)
        )
    return specs


def _names(pk: str, sk: str) -> dict[TargetKind, str]:
    return {
        TargetKind.EMAIL: reminder_schedule_name(pk, sk),
        TargetKind.EXPIRE: expiry_schedule_name(pk, sk),
    }


def plan(
    event_name: str,
    old: Mapping[str, object] | None,
    new: Mapping[str, object] | None,
    default_tz: str,
    now: datetime,
) -> list[Action]:
    """The actions for one record, reminder first; BadAppointment if it cannot be scheduled.

    INSERT creates what the item asks for. MODIFY creates or updates a schedule whose inputs
    changed, deletes one whose attribute went, and leaves the rest alone; with no usable old
    image (a stream without old images, or an old item that was itself invalid) it cannot
    tell, so it puts whatever the new image asks for and deletes the other. REMOVE deletes
    both, reading only the key (from the old image, else the new). The new image of INSERT
    and MODIFY is validated in full, even when nothing relevant changed.
    """
    if event_name == "REMOVE":
        image = old if old is not None else new
        if image is None:
            raise BadAppointment("REMOVE record carries no image with the item's key")
        pk, sk = parse_key(image)
        return [Action(ActionKind.DELETE, name, kind) for kind, name in _names(pk, sk).items()]
    if event_name not in ("INSERT", "MODIFY"):
        raise BadAppointment(f"eventName must be INSERT, MODIFY or REMOVE, not {event_name!r}")
    if new is None:
        raise BadAppointment(
            f"{event_name} record has no new image (stream view must be NEW_AND_OLD_IMAGES)"
        )
    appointment = parse_appointment(new, default_tz)
    wanted = _specs(appointment)
    before: dict[TargetKind, _Spec] | None = {}
    if event_name == "MODIFY":
        try:
            before = None if old is None else _specs(parse_appointment(old, default_tz))
        except BadAppointment:
            before = None
    actions = []
    for kind, name in _names(appointment.pk, appointment.sk).items():
        spec = wanted.get(kind)
        if spec is None:
            if before is None or kind in before:
                actions.append(Action(ActionKind.DELETE, name, kind))
        elif before is None or before.get(kind) != spec:
            time = schedule_time(spec.due, now)
            actions.append(Action(ActionKind.CREATE_OR_UPDATE, name, kind, time, spec.target))
    return actions


def cancellation(image: Mapping[str, object]) -> list[Action]:
    """Delete both schedules of the item whose key the image holds; none if it holds no key."""
    try:
        pk, sk = parse_key(image)
    except BadAppointment:
        return []
    return [Action(ActionKind.DELETE, name, kind) for kind, name in _names(pk, sk).items()]
