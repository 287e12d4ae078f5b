from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from leda_reminders.items import BadAppointment, parse_time
from leda_reminders.lifecycle import (
    Action,
    ActionKind,
    EmailTarget,
    ExpireTarget,
    TargetKind,
    plan,
)
from leda_reminders.schedules import expiry_schedule_name, reminder_schedule_name, schedule_time

NOW = datetime(2030, 7, 1, 8, 0, tzinfo=UTC)
KEY = {"PK": "APPT#7", "SK": "StaticSK"}
REMINDER = reminder_schedule_name("APPT#7", "StaticSK")
EXPIRY = expiry_schedule_name("APPT#7", "StaticSK")
ITEM: dict[str, object] = {
    **KEY,
    "REMINDER_TIMESTAMP": "2030-07-01T15:30:00",
    "TIMEZONE": "Europe/Paris",
    "EMAIL": "someone@example.com",
    "EXPIRES_AT": "2030-07-02T00:00:00",
    "ATTR_1": "first",
}


def _with(**changes):
    merged = {**ITEM, **changes}
    return {k: v for k, v in merged.items() if v is not ...}


def _summary(actions):
    return [(action.kind, action.schedule_name) for action in actions]


def test_insert_creates_the_reminder_and_the_expiry():
    reminder, expiry = plan("INSERT", None, ITEM, "UTC", NOW)

    assert (reminder.kind, reminder.schedule_name, reminder.target_kind) == (
        ActionKind.CREATE_OR_UPDATE,
        REMINDER,
        TargetKind.EMAIL,
    )
    due = parse_time("REMINDER_TIMESTAMP", ITEM["REMINDER_TIMESTAMP"], "Europe/Paris")
    assert reminder.time == schedule_time(due, NOW)
    assert (reminder.time.expression, reminder.time.timezone) == (
        "at(2030-07-01T15:30:00)",
        "Europe/Paris",
    )
    assert isinstance(reminder.target, EmailTarget)
    assert reminder.target.to_address == "someone@example.com"
    assert reminder.target.subject.startswith("Time for your appointment")
    for text in ("APPT#7", "StaticSK"):
        assert text in reminder.target.subject
        assert text in reminder.target.body
    assert "2030-07-01T15:30:00 (Europe/Paris)" in reminder.target.body

    assert (expiry.kind, expiry.schedule_name, expiry.target_kind) == (
        ActionKind.CREATE_OR_UPDATE,
        EXPIRY,
        TargetKind.EXPIRE,
    )
    assert expiry.target == ExpireTarget("APPT#7", "StaticSK", "2030-07-02T00:00:00")
    assert expiry.time is not None
    assert (expiry.time.expression, expiry.time.timezone) == (
        "at(2030-07-02T00:00:00)",
        "Europe/Paris",
    )


def test_insert_creates_only_what_the_item_asks_for():
    assert _summary(plan("INSERT", None, _with(EXPIRES_AT=...), "UTC", NOW)) == [
        (ActionKind.CREATE_OR_UPDATE, REMINDER)
    ]
    assert _summary(plan("INSERT", None, _with(REMINDER_TIMESTAMP=..., EMAIL=...), "UTC", NOW)) == [
        (ActionKind.CREATE_OR_UPDATE, EXPIRY)
    ]
    assert plan("INSERT", None, KEY, "UTC", NOW) == []


def test_insert_uses_the_default_timezone_when_the_item_names_none():
    reminder, expiry = plan("INSERT", None, _with(TIMEZONE=...), "America/Chicago", NOW)
    assert reminder.time is not None
    assert expiry.time is not None
    assert (reminder.time.timezone, expiry.time.timezone) == ("America/Chicago",) * 2
    assert isinstance(reminder.target, EmailTarget)
    assert "(America/Chicago)" in reminder.target.body


def test_a_timestamp_with_an_offset_is_named_as_written_in_the_body():
    (reminder,) = plan(
        "INSERT",
        None,
        _with(REMINDER_TIMESTAMP="2030-07-01T15:30:00+02:00", EXPIRES_AT=...),
        "UTC",
        NOW,
    )
    assert reminder.time is not None
    assert (reminder.time.expression, reminder.time.timezone) == ("at(2030-07-01T13:30:00)", "UTC")
    assert isinstance(reminder.target, EmailTarget)
    assert "at 2030-07-01T15:30:00+02:00." in reminder.target.body


def test_subject_is_one_line_whatever_the_key():
    item = _with(PK="line one\nline\x00two", SK="\t" + "x" * 500)
    (reminder, _) = plan("INSERT", None, item, "UTC", NOW)
    assert isinstance(reminder.target, EmailTarget)
    assert reminder.target.subject.isprintable()
    assert "line one line two" in reminder.target.subject
    assert len(reminder.target.subject) <= 200


def test_a_past_reminder_is_scheduled_promptly():
    (reminder,) = plan(
        "INSERT",
        None,
        _with(REMINDER_TIMESTAMP="2030-07-01T07:59:00Z", EXPIRES_AT=...),
        "UTC",
        NOW,
    )
    assert reminder.time is not None
    assert reminder.time.due_now
    assert reminder.time.fires_at > NOW


@pytest.mark.parametrize(
    ("change", "moved"),
    [
        ({"REMINDER_TIMESTAMP": "2030-07-01T16:00:00"}, [REMINDER]),
        ({"EMAIL": "other@example.com"}, [REMINDER]),
        ({"EXPIRES_AT": "2030-07-03T00:00:00"}, [EXPIRY]),
        ({"TIMEZONE": "Europe/London"}, [REMINDER, EXPIRY]),  # both times are read in it
        ({"EXPIRES_AT": "2030-07-02T00:00:00+02:00"}, [EXPIRY]),  # same instant, new condition
    ],
)
def test_modify_updates_exactly_the_schedules_whose_inputs_changed(change, moved):
    actions = plan("MODIFY", ITEM, {**ITEM, **change}, "UTC", NOW)
    assert _summary(actions) == [(ActionKind.CREATE_OR_UPDATE, name) for name in moved]


def test_modify_of_an_unrelated_attribute_does_nothing():
    assert plan("MODIFY", ITEM, _with(ATTR_1="second", OTHER="x"), "UTC", NOW) == []


def test_modify_naming_the_default_zone_explicitly_does_nothing():
    old = _with(TIMEZONE=...)
    assert plan("MODIFY", old, _with(TIMEZONE="Asia/Tokyo"), "Asia/Tokyo", NOW) == []


def test_modify_removing_an_attribute_deletes_its_schedule():
    no_reminder = _with(REMINDER_TIMESTAMP=..., EMAIL=...)
    assert plan("MODIFY", ITEM, no_reminder, "UTC", NOW) == [
        Action(ActionKind.DELETE, REMINDER, TargetKind.EMAIL)
    ]
    assert plan("MODIFY", ITEM, _with(EXPIRES_AT=...), "UTC", NOW) == [
        Action(ActionKind.DELETE, EXPIRY, TargetKind.EXPIRE)
    ]


def test_modify_adding_an_attribute_creates_its_schedule():
    old = _with(EXPIRES_AT=...)
    assert _summary(plan("MODIFY", old, ITEM, "UTC", NOW)) == [
        (ActionKind.CREATE_OR_UPDATE, EXPIRY)
    ]


@pytest.mark.parametrize("old", [None, _with(EMAIL="not an address")])
def test_modify_without_a_usable_old_image_puts_what_is_wanted_and_deletes_the_rest(old):
    actions = plan("MODIFY", old, _with(EXPIRES_AT=...), "UTC", NOW)
    assert _summary(actions) == [
        (ActionKind.CREATE_OR_UPDATE, REMINDER),
        (ActionKind.DELETE, EXPIRY),
    ]


def test_remove_deletes_both_from_the_old_image_alone():
    assert plan("REMOVE", ITEM, None, "UTC", NOW) == [
        Action(ActionKind.DELETE, REMINDER, TargetKind.EMAIL),
        Action(ActionKind.DELETE, EXPIRY, TargetKind.EXPIRE),
    ]


def test_remove_reads_only_the_key():
    assert len(plan("REMOVE", {**KEY, "EMAIL": "bad", "TIMEZONE": "x"}, None, "UTC", NOW)) == 2


@pytest.mark.parametrize(
    ("event_name", "old", "new", "reason"),
    [
        ("REMOVE", None, None, "REMOVE record carries no image"),
        ("INSERT", None, None, "INSERT record has no new image"),
        ("MODIFY", ITEM, None, "MODIFY record has no new image"),
        ("UPSERT", None, ITEM, "eventName must be INSERT, MODIFY or REMOVE"),
        ("INSERT", None, _with(EMAIL=...), "EMAIL is required"),
        ("MODIFY", ITEM, _with(REMINDER_TIMESTAMP="soon"), "REMINDER_TIMESTAMP must be"),
        ("MODIFY", ITEM, _with(ATTR_1="x", TIMEZONE="Paris"), "TIMEZONE: 'Paris'"),
    ],
)
def test_records_that_cannot_be_scheduled_raise_bad_appointment(event_name, old, new, reason):
    with pytest.raises(BadAppointment, match=reason):
        plan(event_name, old, new, "UTC", NOW)


def test_actions_hold_time_and_target_only_when_creating():
    due = parse_time("EXPIRES_AT", "2030-07-02T00:00:00", "UTC")
    time = schedule_time(due, NOW)
    with pytest.raises(ValueError, match="only with it"):
        Action(ActionKind.DELETE, EXPIRY, TargetKind.EXPIRE, time, ExpireTarget("p", "s", "t"))
    with pytest.raises(ValueError, match="only with it"):
        Action(ActionKind.CREATE_OR_UPDATE, EXPIRY, TargetKind.EXPIRE)
    with pytest.raises(ValueError, match="needs an EmailTarget"):
        Action(
            ActionKind.CREATE_OR_UPDATE,
            REMINDER,
            TargetKind.EMAIL,
            time,
            ExpireTarget("p", "s", "t"),
        )


# A model of the MODIFY rule over small pools of values (None = attribute absent).
_times = st.sampled_from(
    [None, "2030-07-01T15:30:00", "2030-07-01T16:00:00", "2030-07-01T14:00:00Z"]
)
_zones = st.sampled_from([None, "UTC", "Europe/Paris"])
_emails = st.sampled_from(["someone@example.com", "other@example.com"])
_attrs = st.sampled_from([None, "first", "second"])


@st.composite
def _images(draw):
    image = {
        **KEY,
        "REMINDER_TIMESTAMP": draw(_times),
        "EMAIL": draw(_emails),
        "TIMEZONE": draw(_zones),
        "EXPIRES_AT": draw(_times),
        "ATTR_1": draw(_attrs),
    }
    return {k: v for k, v in image.items() if v is not None}


def _inputs(image, attribute, *extra):
    """What a schedule depends on: its time as written, the zone a naive time is read in
    (the item's, else the default "UTC"), and the extra attributes (the email)."""
    text = image.get(attribute)
    if text is None:
        return None
    zone = "UTC" if text.endswith("Z") else image.get("TIMEZONE", "UTC")
    return (text, zone, *(image.get(name) for name in extra))


@given(old=_images(), new=_images())
def test_modify_matches_the_model(old, new):
    expected = []
    for attribute, extra, name in (
        ("REMINDER_TIMESTAMP", ("EMAIL",), REMINDER),
        ("EXPIRES_AT", (), EXPIRY),
    ):
        before, after = _inputs(old, attribute, *extra), _inputs(new, attribute, *extra)
        if after is None and before is not None:
            expected.append((ActionKind.DELETE, name))
        elif after is not None and after != before:
            expected.append((ActionKind.CREATE_OR_UPDATE, name))
    assert _summary(plan("MODIFY", old, new, "UTC", NOW)) == expected


@given(image=_images())
def test_a_record_replayed_as_modify_onto_itself_does_nothing(image):
    assert plan("MODIFY", image, image, "UTC", NOW) == []


def test_the_expiry_delete_names_the_attribute_as_the_item_spells_it():
    item = {**_with(EXPIRES_AT=...), "Expires_At": "2030-07-02T00:00:00"}
    expiry = next(a for a in plan("INSERT", None, item, "UTC", NOW) if a.schedule_name == EXPIRY)
    assert expiry.target == ExpireTarget("APPT#7", "StaticSK", "2030-07-02T00:00:00", "Expires_At")
