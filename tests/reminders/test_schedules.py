import hashlib
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from leda_reminders.items import DueTime, parse_time
from leda_reminders.schedules import (
    DUE_NOW_WINDOW,
    PROMPT_LEAD,
    expiry_schedule_name,
    is_valid_schedule_name,
    key_digest,
    reminder_schedule_name,
    schedule_time,
)

# DynamoDB strings are UTF-8: anything but lone surrogates, including '#', '/', spaces, emoji.
_key_text = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=2048)
_keys = st.tuples(_key_text, _key_text)
_short = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12)
NOW = datetime(2030, 7, 1, 12, 0, 0, tzinfo=UTC)


@given(key=_keys)
def test_any_key_gives_valid_names_that_do_not_change(key):
    for name_of in (reminder_schedule_name, expiry_schedule_name):
        name = name_of(*key)
        assert 1 <= len(name) <= 64
        assert re.fullmatch(r"[0-9A-Za-z_.-]+", name, re.ASCII)
        assert is_valid_schedule_name(name)
        assert name_of(*key) == name
        assert name_of(str(key[0]), str(key[1])) == name  # equal strings, not identity
    assert reminder_schedule_name(*key) != expiry_schedule_name(*key)


@settings(max_examples=300)
@given(keys=st.lists(st.tuples(_short, _short), min_size=2, max_size=50, unique=True))
def test_different_keys_give_different_names(keys):
    names = {reminder_schedule_name(*key) for key in keys}
    assert len(names) == len(keys)


def test_seventy_thousand_awkward_keys_give_as_many_names_of_each_kind():
    # Near-identical keys of the kinds the table will see: separators, spaces, unicode, case.
    pks = [f"{p}{n}" for p in ("", "APPT#", "appt#", "a/b ", "é🙂") for n in range(2000)]
    sks = ["StaticSK", "StaticSK ", "staticsk", "#", "2030/07/01 09:00", "ü", "x" * 1000]
    keys = [(pk, sk) for pk in pks for sk in sks]
    names = {reminder_schedule_name(*key) for key in keys}
    names |= {expiry_schedule_name(*key) for key in keys}
    assert len(names) == 2 * len(keys) == 140_000


def test_a_separator_inside_the_pk_cannot_make_two_keys_collide():
    # With PK + "\x1f" + SK these two keys would hash the same bytes.
    assert key_digest("a\x1fb", "c") != key_digest("a", "b\x1fc")
    assert key_digest("ab", "c") != key_digest("a", "bc")


def test_the_digest_is_the_documented_hash():
    pk, sk = "APPT#é/1", "2030 07"
    data = len(pk.encode()).to_bytes(8, "big") + pk.encode() + sk.encode()
    expected = hashlib.sha256(data).hexdigest()[:40]
    assert reminder_schedule_name(pk, sk) == "reminder-" + expected
    assert expiry_schedule_name(pk, sk) == "expiry-" + expected


@pytest.mark.parametrize(
    "name", ["", "a" * 65, "reminder-ä", "reminder#1", "has space", "slash/name"]
)
def test_names_outside_schedulers_rule_are_refused(name):
    assert not is_valid_schedule_name(name)


def test_a_future_time_keeps_the_items_zone_and_seconds():
    due = parse_time("REMINDER_TIMESTAMP", "2030-07-01T15:30:45", "Europe/Paris")
    time = schedule_time(due, NOW)
    assert (time.expression, time.timezone, time.due_now) == (
        "at(2030-07-01T15:30:45)",
        "Europe/Paris",
        False,
    )
    assert time.fires_at == datetime(2030, 7, 1, 15, 30, 45, tzinfo=ZoneInfo("Europe/Paris"))


def test_an_explicit_offset_is_sent_as_utc():
    due = parse_time("REMINDER_TIMESTAMP", "2030-07-01T15:30:00-04:00", "Europe/Paris")
    time = schedule_time(due, NOW)
    assert (time.expression, time.timezone) == ("at(2030-07-01T19:30:00)", "UTC")


def _due_in(delta: timedelta) -> DueTime:
    moment = NOW + delta
    return DueTime(moment.isoformat(), moment.replace(tzinfo=None), "UTC")


def test_a_time_exactly_one_window_ahead_is_due_now_but_keeps_its_time():
    time = schedule_time(_due_in(DUE_NOW_WINDOW), NOW)
    assert time.due_now
    assert time.expression == "at(2030-07-01T12:01:00)"


def test_a_time_just_beyond_the_window_is_not_due_now():
    assert not schedule_time(_due_in(DUE_NOW_WINDOW + timedelta(seconds=1)), NOW).due_now


def test_a_past_time_is_sent_promptly_in_utc():
    due = parse_time("REMINDER_TIMESTAMP", "2030-07-01T09:00:00", "Asia/Tokyo")  # 00:00 UTC
    now = NOW + timedelta(microseconds=250_000)
    time = schedule_time(due, now)
    prompt = NOW + PROMPT_LEAD + timedelta(seconds=1)  # 12:00:02.25 rounded up to the second
    assert time.due_now
    assert (time.timezone, time.fires_at) == ("UTC", prompt)
    assert time.expression == f"at({prompt.replace(tzinfo=None).isoformat()})"


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        schedule_time(_due_in(timedelta(hours=1)), NOW.replace(tzinfo=None))


_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")


@given(
    due_offset=st.integers(min_value=-86_400 * 3, max_value=86_400 * 3),
    now_micros=st.integers(min_value=0, max_value=999_999),
    zone=st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]),
)
def test_the_expression_names_the_due_time_or_the_prompt_time_never_the_past(
    due_offset, now_micros, zone
):
    now = NOW + timedelta(microseconds=now_micros)
    instant = NOW + timedelta(seconds=due_offset)
    wall = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    due = DueTime(wall.isoformat(), wall, zone)
    time = schedule_time(due, now)

    match = _AT.fullmatch(time.expression)
    assert match is not None
    named = datetime.fromisoformat(match[1]).replace(tzinfo=ZoneInfo(time.timezone))
    assert named == time.fires_at
    assert time.fires_at >= now + PROMPT_LEAD
    assert time.fires_at >= due.instant
    assert time.fires_at - max(due.instant, now + PROMPT_LEAD) < timedelta(seconds=1)
    assert time.due_now == (due.instant - now <= DUE_NOW_WINDOW)
    if time.fires_at != due.instant:
        assert time.timezone == "UTC"
