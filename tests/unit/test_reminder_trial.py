"""The reminders trial's bookkeeping: which appointments, which emails, what is wrong."""

from __future__ import annotations

import datetime as dt

from leda.reminders.trial import (
    SEND_EMAIL,
    EmailSent,
    ReminderReport,
    appointments,
    emails_for,
)
from leda.scheduler.firing import Firing, Outcome

NOW = dt.datetime(2026, 11, 23, 12, 0, 0, 250_000, tzinfo=dt.UTC)


def firing(to: str, finished: dt.datetime, outcome: str = Outcome.DELIVERED) -> Firing:
    return Firing(
        group="g",
        name=f"reminder-{to}",
        target=SEND_EMAIL,
        request={"Destination": {"ToAddresses": [to]}},
        due=NOW.isoformat(),
        finished=finished.isoformat(),
        seconds_late=0.0,
        attempts=1,
        outcome=outcome,
    )


def test_appointments_follow_the_blog_and_are_due_on_a_whole_second():
    wanted = appointments(3, 10, NOW)
    assert [a.pk for a in wanted] == ["1", "2", "3"]
    assert len({a.email for a in wanted}) == 3
    assert wanted[0].due == dt.datetime(2026, 11, 23, 12, 0, 11, tzinfo=dt.UTC)  # rounded up
    item = wanted[0].item()
    assert item["SK"] == {"S": "StaticSK"}
    assert item["REMINDER_TIMESTAMP"] == {"S": "2026-11-23T12:00:11"}


def test_emails_count_only_delivered_sends_to_the_trials_addresses():
    wanted = appointments(2, 10, NOW)
    due = wanted[0].due
    found = emails_for(
        [
            firing(wanted[0].email, due + dt.timedelta(seconds=0.4)),
            firing(wanted[1].email, due, outcome=Outcome.DEAD_LETTERED),
            firing("stranger@example.com", due),
        ],
        wanted,
    )
    assert [(e.address, e.seconds_late) for e in found] == [(wanted[0].email, 0.4)]


def sent(address: str, late: float) -> EmailSent:
    return EmailSent(address, "due", "sent", late)


def test_a_clean_run_has_no_problem_and_each_fault_is_named():
    clean = ReminderReport(2, [sent("a", 0.1), sent("b", 1.9)], [], {"q": []})
    assert clean.problems == []
    assert "1 of 2" in ReminderReport(2, [sent("a", 0.1)], [], {}).problems[0]
    twice = ReminderReport(2, [sent("a", 0.1), sent("a", 0.3), sent("b", 0.2)], [], {})
    assert any("more than one email to a" in p for p in twice.problems)
    assert any("later than" in p for p in ReminderReport(1, [sent("a", 2.5)]).problems)
    left = ReminderReport(1, [sent("a", 0)], [{"group": "g", "name": "n", "expression": "e"}])
    assert left.problems == ["1 schedules left"]
    letters = ReminderReport(1, [sent("a", 0)], [], {"reminderDeadLetterQueue": [{"x": 1}]})
    assert letters.problems == ["1 messages in reminderDeadLetterQueue"]
