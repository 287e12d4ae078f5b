from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from leda_reminders.items import (
    MAX_EMAIL_LENGTH,
    BadAppointment,
    check_email,
    parse_appointment,
    parse_time,
)

GOOD: dict[str, object] = {
    "PK": "1",
    "SK": "StaticSK",
    "REMINDER_TIMESTAMP": "2030-07-01T09:30:00",
    "TIMEZONE": "Europe/Paris",
    "EMAIL": "someone@example.com",
    "EXPIRES_AT": "2030-07-02T00:00:00Z",
    "ATTR_1": "anything",
}


def _with(**changes):
    merged = {**GOOD, **changes}
    return {k: v for k, v in merged.items() if v is not ...}


def test_parses_every_field_of_a_good_item():
    item = parse_appointment(GOOD, "UTC")
    assert (item.pk, item.sk, item.attr_1) == ("1", "StaticSK", "anything")
    assert item.reminder is not None
    assert item.reminder.email == "someone@example.com"
    assert item.reminder.at.wall == datetime(2030, 7, 1, 9, 30)
    assert item.reminder.at.timezone == "Europe/Paris"
    # Paris keeps summer time (UTC+2) in July.
    paris = datetime(2030, 7, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert item.reminder.at.instant == paris.astimezone(UTC)
    assert item.reminder.at.instant.hour == 7
    assert item.expires_at is not None
    assert item.expires_at.text == "2030-07-02T00:00:00Z"  # kept verbatim for the condition
    assert (item.expires_at.wall, item.expires_at.timezone) == (datetime(2030, 7, 2), "UTC")


def test_only_the_key_is_required():
    item = parse_appointment({"PK": "p", "SK": "s"}, "UTC")
    assert (item.reminder, item.expires_at, item.attr_1) == (None, None, None)


def test_null_attributes_count_as_absent():
    item = parse_appointment(_with(REMINDER_TIMESTAMP=None, EMAIL=None, EXPIRES_AT=None), "UTC")
    assert (item.reminder, item.expires_at) == (None, None)


def test_email_is_not_checked_without_a_reminder():
    assert parse_appointment(_with(REMINDER_TIMESTAMP=..., EMAIL="nope"), "UTC").reminder is None


def test_naive_times_are_read_in_the_default_zone_without_a_timezone_attribute():
    item = parse_appointment(_with(TIMEZONE=..., EXPIRES_AT="2030-07-02T00:00:00"), "Asia/Tokyo")
    assert item.reminder is not None
    assert item.reminder.at.timezone == "Asia/Tokyo"
    assert item.expires_at is not None
    assert item.expires_at.timezone == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("text", "utc_wall"),
    [
        ("2030-07-01T09:30:00Z", datetime(2030, 7, 1, 9, 30)),
        ("2030-07-01T09:30:00+02:00", datetime(2030, 7, 1, 7, 30)),
        ("2030-07-01T09:30:00-05:30", datetime(2030, 7, 1, 15, 0)),
        ("2030-12-31T23:30:00-01:00", datetime(2031, 1, 1, 0, 30)),
    ],
)
def test_an_explicit_offset_wins_over_the_timezone_and_becomes_utc(text, utc_wall):
    item = parse_appointment(_with(REMINDER_TIMESTAMP=text), "UTC")
    assert item.reminder is not None
    assert (item.reminder.at.wall, item.reminder.at.timezone) == (utc_wall, "UTC")
    assert item.reminder.at.text == text


def test_a_bad_default_timezone_is_a_configuration_error_not_a_bad_item():
    with pytest.raises(ValueError, match="IANA") as raised:
        parse_appointment(GOOD, "Nowhere/Town")
    assert not isinstance(raised.value, BadAppointment)


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        (_with(PK=...), "PK is missing or not a non-empty string"),
        (_with(PK=Decimal(1)), "PK is missing or not a non-empty string"),
        (_with(SK=""), "SK is missing or not a non-empty string"),
        (_with(REMINDER_TIMESTAMP=Decimal(1900000000)), "REMINDER_TIMESTAMP must be a string"),
        (_with(REMINDER_TIMESTAMP="2030-07-01 09:30:00"), "REMINDER_TIMESTAMP must be yyyy-mm-dd"),
        (_with(REMINDER_TIMESTAMP="2030-07-01T09:30"), "REMINDER_TIMESTAMP must be yyyy-mm-dd"),
        (_with(REMINDER_TIMESTAMP="2030-07-01T09:30:00.5"), "REMINDER_TIMESTAMP must be"),
        (_with(REMINDER_TIMESTAMP="2030-07-01T09:30:00+0200"), "REMINDER_TIMESTAMP must be"),
        (_with(REMINDER_TIMESTAMP="٢٠٣٠-07-01T09:30:00"), "REMINDER_TIMESTAMP must be"),
        (_with(REMINDER_TIMESTAMP="2030-02-30T09:30:00"), "REMINDER_TIMESTAMP is not a valid"),
        (_with(REMINDER_TIMESTAMP="2030-07-01T24:00:00"), "REMINDER_TIMESTAMP is not a valid"),
        (_with(REMINDER_TIMESTAMP="2030-07-01T09:30:00+24:00"), "REMINDER_TIMESTAMP is not a"),
        (_with(REMINDER_TIMESTAMP="9999-12-31T23:30:00-01:00"), "REMINDER_TIMESTAMP is not a"),
        (_with(EXPIRES_AT="tomorrow"), "EXPIRES_AT must be yyyy-mm-ddThh:mm:ss"),
        (_with(TIMEZONE="Mars/Olympus_Mons"), "TIMEZONE: 'Mars/Olympus_Mons' is not an IANA"),
        (_with(TIMEZONE="localtime"), "TIMEZONE: 'localtime' is not an IANA"),
        (_with(TIMEZONE="../../etc/passwd"), "TIMEZONE: '../../etc/passwd' is not an IANA"),
        (_with(TIMEZONE="right/UTC"), "TIMEZONE: 'right/UTC' is not an IANA"),
        (_with(TIMEZONE=Decimal(2)), "TIMEZONE must be an IANA time zone name"),
        (_with(EMAIL=...), "EMAIL is required when REMINDER_TIMESTAMP is set"),
        (_with(EMAIL=Decimal(3)), "EMAIL must be a string address"),
        (_with(EMAIL="someone.example.com"), "EMAIL must contain exactly one @"),
        (_with(EMAIL="a@b@example.com"), "EMAIL must contain exactly one @"),
        (_with(EMAIL="@example.com"), "EMAIL has an empty part before the @"),
        (_with(EMAIL="someone@localhost"), "EMAIL needs a domain with a dot"),
        (_with(EMAIL="someone@example."), "EMAIL needs a domain with a dot"),
        (_with(EMAIL="someone@.example.com"), "EMAIL needs a domain with a dot"),
        (_with(EMAIL="some one@example.com"), "EMAIL must not contain spaces"),
        (_with(EMAIL="someone@example.com\n"), "EMAIL must not contain spaces"),
        (_with(EMAIL="someone@exa\x00mple.com"), "EMAIL must not contain spaces or control"),
        (
            _with(EMAIL="a" * (MAX_EMAIL_LENGTH - len("@example.com") + 1) + "@example.com"),
            "EMAIL is longer than 254 characters",
        ),
    ],
)
def test_each_bad_field_is_named_with_what_is_allowed(image, reason):
    with pytest.raises(BadAppointment, match="^" + reason.replace("(", r"\(").replace(".", r"\.")):
        parse_appointment(image, "UTC")


def test_an_address_of_exactly_the_maximum_length_is_accepted():
    address = "a" * (MAX_EMAIL_LENGTH - len("@example.com")) + "@example.com"
    assert len(address) == MAX_EMAIL_LENGTH
    assert check_email(address) == address


_atoms = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_+-", min_size=1, max_size=20)


@given(
    local=_atoms,
    labels=st.lists(_atoms, min_size=2, max_size=4),
)
def test_addresses_following_the_rule_pass(local, labels):
    address = f"{local}@{'.'.join(labels)}"
    assert check_email(address) == address


@given(
    local=_atoms,
    labels=st.lists(_atoms, min_size=2, max_size=4),
    space=st.characters(categories=["Zs", "Zl", "Zp", "Cc"]),
    at=st.integers(min_value=0),
)
def test_any_space_or_control_character_fails(local, labels, space, at):
    address = f"{local}@{'.'.join(labels)}"
    position = at % (len(address) + 1)
    with pytest.raises(BadAppointment, match="EMAIL"):
        check_email(address[:position] + space + address[position:])


_walls = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9998, 12, 31))


@given(wall=_walls.map(lambda moment: moment.replace(microsecond=0)))
def test_a_naive_time_round_trips_to_its_wall_time(wall):
    due = parse_time("EXPIRES_AT", wall.isoformat(), "Europe/Paris")
    assert (due.wall, due.timezone, due.text) == (wall, "Europe/Paris", wall.isoformat())


@given(
    wall=_walls.map(lambda moment: moment.replace(microsecond=0)),
    minutes=st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59),
)
def test_an_offset_time_becomes_the_same_instant_in_utc(wall, minutes):
    aware = wall.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    due = parse_time("REMINDER_TIMESTAMP", aware.isoformat(), "Asia/Tokyo")
    assert due.timezone == "UTC"
    assert due.instant == aware


# -- attribute names are matched without regard to case ----------------------------------------

# The blog's test item exactly: the address in `email` (lower case), PK a number as a string.
BLOG_ITEM: dict[str, object] = {
    "PK": "1",
    "SK": "StaticSK",
    "REMINDER_TIMESTAMP": "2030-07-01T09:30:00",
    "email": "someone@example.com",
    "ATTR_1": "Appointment 1",
}


def test_the_blogs_item_with_a_lower_case_email_is_scheduled():
    item = parse_appointment(BLOG_ITEM, "UTC")
    assert item.reminder is not None
    assert item.reminder.email == "someone@example.com"
    assert item.reminder.at.wall == datetime(2030, 7, 1, 9, 30)
    assert item.attr_1 == "Appointment 1"


@pytest.mark.parametrize("name", ["EMAIL", "email", "Email", "eMail"])
def test_any_spelling_of_an_attribute_is_read(name):
    item = parse_appointment({**_with(EMAIL=...), name: "x@example.org"}, "UTC")
    assert item.reminder is not None
    assert item.reminder.email == "x@example.org"


def test_two_spellings_with_one_value_are_one_attribute():
    item = parse_appointment({**GOOD, "email": GOOD["EMAIL"]}, "UTC")
    assert item.reminder is not None
    assert item.reminder.email == GOOD["EMAIL"]


def test_two_spellings_with_different_values_are_refused_naming_both():
    with pytest.raises(BadAppointment, match=r"EMAIL is given 2 times.*EMAIL=.*email="):
        parse_appointment({**GOOD, "email": "other@example.org"}, "UTC")


def test_a_lower_case_expiry_is_read_and_its_spelling_kept_for_the_delete():
    item = parse_appointment({**_with(EXPIRES_AT=...), "expires_at": "2030-07-02T00:00:00"}, "UTC")
    assert item.expires_at is not None
    assert item.expires_attribute == "expires_at"
    assert parse_appointment(GOOD, "UTC").expires_attribute == "EXPIRES_AT"


def test_the_key_attributes_stay_exact():
    with pytest.raises(BadAppointment, match="PK is missing"):
        parse_appointment({**_with(PK=...), "pk": "1"}, "UTC")
