"""`leda reminders put`: the blog's test items, written to a deployed appointments table.

The same items the offline trial writes (`trial.appointments`), so what is tried offline is what
is sent to AWS: PK 1..N, SK "StaticSK", `email` in the blog's lower case, ATTR_1, and
REMINDER_TIMESTAMP `in_seconds` from now in UTC, `yyyy-mm-ddThh:mm:ss`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from leda.reminders.trial import Appointment, appointments, write

# SES's mailbox simulator: accepted (and counted as delivered) in the SES sandbox without being
# verified, so the blog's test can be run before any real recipient is verified.
SIMULATOR_SUCCESS = "success@simulator.amazonses.com"


@dataclass(frozen=True)
class PutResult:
    table: str
    written: list[Appointment]

    @property
    def due(self) -> dt.datetime:
        return self.written[0].due


def put_items(
    dynamodb: Any, table: str, count: int, in_seconds: float, email: str, now: dt.datetime
) -> PutResult:
    wanted = [Appointment(a.pk, email, a.due) for a in appointments(count, in_seconds, now)]
    write(dynamodb, table, wanted)
    return PutResult(table, wanted)
