"""The offline Scheduler's clock: fires each one-time schedule moto holds, at its time.

moto's server stores schedules (the API the function calls) and never fires them. This engine
watches the schedule groups, and when a schedule is due it calls the target (targets.py),
applies the target's retry policy to retryable failures, sends what still failed to the
schedule's dead-letter queue, and deletes the schedule after completion when it asks for that.

Faithful where it matters for exactly-once: a schedule is fired once per version (a moved
schedule fires at its new time only, never at the old one), it is looked up again just before
firing and just before deletion, so a schedule moved or cancelled meanwhile is neither fired
stale nor deleted by mistake. Schedules the real service would have refused (rules.py) are
reported and never fired.

Deliberate differences: at() fires on its second, where the service reads it to the minute
(so on AWS a schedule may run up to a minute from its second, earlier as well as later);
retries back off from `retry_base_seconds` (half a second) instead of the service's longer
schedule, so a test or a workshop does not wait minutes for a dead letter. moto offers no
conditional update, so a schedule moved or cancelled in the instant between the last look and
the call (milliseconds) can still fire, or be deleted, in its old version.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from leda.scheduler.rules import OneTimeSchedule, Refused, one_time_schedule
from leda.scheduler.targets import Authorize, TargetFailure, invoke

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (group, name)


class Outcome:
    DELIVERED = "delivered"
    DEAD_LETTERED = "dead-lettered"
    DROPPED = "dropped"  # failed, and no dead-letter queue took it
    INTERRUPTED = "interrupted"  # the runtime stopped while retrying: left as it was


@dataclass
class Firing:
    """One schedule fired: what it called, when it was due and when it was done."""

    group: str
    name: str
    target: str
    request: dict[str, Any]
    due: str  # ISO UTC
    finished: str  # ISO UTC
    seconds_late: float
    attempts: int
    outcome: str
    error: str = ""
    response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    group: str
    name: str
    reason: str


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def queue_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


class ScheduleFiring:
    def __init__(
        self,
        scheduler: Any,
        sqs: Any,
        targets: Mapping[str, Any],
        groups: Sequence[str],
        *,
        journal_path: Path | None = None,
        poll_seconds: float = 0.2,
        retry_base_seconds: float = 0.5,
        workers: int = 32,  # retries wait in their worker: room for many at once
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        authorize: Authorize | None = None,
    ) -> None:
        self._authorize = authorize
        self._scheduler = scheduler
        self._sqs = sqs
        self._targets = dict(targets)
        self._groups = tuple(groups)
        self._journal = journal_path
        self._poll = poll_seconds
        self._retry_base = retry_base_seconds
        self._now = clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="schedule")
        self._seen: dict[Key, tuple[Any, Any]] = {}  # listing's (expression, modified)
        self._known: dict[Key, OneTimeSchedule] = {}
        self._fired: set[tuple[Key, str]] = set()  # (key, fingerprint) done or in flight
        self.firings: list[Firing] = []
        self.refusals: dict[Key, Refusal] = {}
        self.errors: list[str] = []

    # -- running -----------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="schedule-firing", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as error:  # an emulator hiccup must not end the clock
                self._error(f"polling the schedule groups failed: {error!r}")
            self._stop.wait(self._poll)

    def poll_once(self) -> None:
        """Refresh what the groups hold, then hand every due schedule to a firing worker."""
        listed: set[Key] = set()
        for group in self._groups:
            for summary in self._list(group):
                key = (group, summary["Name"])
                listed.add(key)
                version = (summary.get("ScheduleExpression"), summary.get("LastModificationDate"))
                if self._seen.get(key) != version:
                    self._seen[key] = version
                    self._learn(key)
        for key in set(self._seen) - listed:
            self._seen.pop(key, None)
            self._known.pop(key, None)
        now = self._now()
        for key, schedule in list(self._known.items()):
            mark = (key, schedule.fingerprint)
            if schedule.fires_at > now:
                continue
            with self._lock:
                if mark in self._fired:
                    continue
                self._fired.add(mark)
            self._pool.submit(self._fire_logged, schedule)

    def _list(self, group: str) -> list[dict[str, Any]]:
        summaries: list[dict[str, Any]] = []
        request: dict[str, Any] = {"GroupName": group}
        while True:
            page = self._scheduler.list_schedules(**request)
            summaries.extend(page.get("Schedules", []))
            token = page.get("NextToken")
            if not token:
                return summaries
            request["NextToken"] = token

    def _describe(self, key: Key) -> dict[str, Any] | None:
        try:
            description: dict[str, Any] = self._scheduler.get_schedule(
                GroupName=key[0], Name=key[1]
            )
        except self._scheduler.exceptions.ResourceNotFoundException:
            return None
        return description

    def _learn(self, key: Key) -> None:
        description = self._describe(key)
        if description is None:
            self._known.pop(key, None)
            return
        if description.get("State", "ENABLED") != "ENABLED":
            self._known.pop(key, None)
            return
        try:
            self._known[key] = one_time_schedule(description)
        except Refused as refused:
            self._known.pop(key, None)
            with self._lock:
                self.refusals[key] = Refusal(key[0], key[1], str(refused))
            log.warning("schedule %s/%s refused: %s", key[0], key[1], refused)
            self._write(
                {"event": "refused", "group": key[0], "name": key[1], "reason": str(refused)}
            )
        else:
            with self._lock:
                self.refusals.pop(key, None)

    # -- firing ------------------------------------------------------------------------------
    def _fire_logged(self, schedule: OneTimeSchedule) -> None:
        mark = ((schedule.group, schedule.name), schedule.fingerprint)
        try:
            fired = self.fire(schedule)
        except Exception as error:
            fired = None
            self._error(f"firing {schedule.group}/{schedule.name} failed: {error!r}")
        if fired is None:
            # Not fired (changed meanwhile, or the emulator failed): the next poll decides
            # again, rather than the version being taken for done.
            with self._lock:
                self._fired.discard(mark)

    def _current(self, schedule: OneTimeSchedule) -> bool:
        """Is this still the schedule's version (not moved, cancelled or disabled meanwhile)?"""
        description = self._describe((schedule.group, schedule.name))
        if description is None or description.get("State", "ENABLED") != "ENABLED":
            return False
        try:
            return one_time_schedule(description).fingerprint == schedule.fingerprint
        except Refused:
            return False

    def fire(self, schedule: OneTimeSchedule) -> Firing | None:
        if not self._current(schedule):
            return None  # moved or cancelled since it was read: the next poll knows better
        attempts = 0
        failure: TargetFailure | None = None
        response: dict[str, Any] = {}
        while True:
            attempts += 1
            try:
                response = invoke(self._targets, schedule, self._authorize)
                failure = None
                break
            except TargetFailure as error:
                failure = error
            age = (self._now() - schedule.fires_at).total_seconds()
            retries_left = attempts <= schedule.retry.maximum_attempts
            delay = min(self._retry_base * 2 ** (attempts - 1), 30.0)
            young = age + delay < schedule.retry.maximum_event_age_seconds
            if not (failure.retryable and retries_left and young) or self._stop.is_set():
                break
            self._stop.wait(delay)
        finished = self._now()
        outcome = Outcome.DELIVERED
        if failure is not None and self._stop.is_set():
            outcome = Outcome.INTERRUPTED  # not given up on by the service: nothing is sent
        elif failure is not None:
            outcome = self._dead_letter(schedule, failure, attempts, finished)
        if (
            outcome != Outcome.INTERRUPTED
            and schedule.delete_after_completion
            and self._current(schedule)
        ):
            with contextlib.suppress(self._scheduler.exceptions.ResourceNotFoundException):
                self._scheduler.delete_schedule(GroupName=schedule.group, Name=schedule.name)
        firing = Firing(
            group=schedule.group,
            name=schedule.name,
            target=schedule.target_arn,
            request=schedule.request,
            due=_iso(schedule.fires_at),
            finished=_iso(finished),
            seconds_late=round((finished - schedule.fires_at).total_seconds(), 3),
            attempts=attempts,
            outcome=outcome,
            error=str(failure) if failure else "",
            response={k: v for k, v in response.items() if k != "ResponseMetadata"},
        )
        with self._lock:
            self.firings.append(firing)
        self._write({"event": "fired", **asdict(firing)})
        return firing

    def _dead_letter(
        self, schedule: OneTimeSchedule, failure: TargetFailure, attempts: int, now: dt.datetime
    ) -> str:
        """The dead-letter event: the invocation's details and the target's answer.

        The shape is this project's (the service documents what such an event carries, not a
        schema to copy): the body says which schedule, which target, when, how many attempts,
        the error and the Input that was not delivered; the error is also in attributes.
        """
        if schedule.dead_letter_arn is None:
            return Outcome.DROPPED
        body = {
            "scheduleArn": schedule.arn,
            "targetArn": schedule.target_arn,
            "scheduledTime": _iso(schedule.fires_at),
            "failedAt": _iso(now),
            "attempts": attempts,
            "errorCode": failure.code,
            "errorMessage": failure.message,
            "input": json.dumps(schedule.request, sort_keys=True),
        }
        attributes = {
            "ERROR_CODE": failure.code,
            "ERROR_MESSAGE": failure.message[:1000] or "-",
            "RETRY_ATTEMPTS": str(attempts - 1),
            "SCHEDULE_ARN": schedule.arn,
            "TARGET_ARN": schedule.target_arn,
        }
        if self._authorize is not None:
            # The Scheduler sends a dead letter with the schedule's role too.
            send = {"QueueUrl": f"/{queue_name(schedule.dead_letter_arn)}", "MessageBody": ""}
            refusal = self._authorize(schedule.role_arn, "sqs", "SendMessage", send)
            if refusal is not None:
                self._error(f"dead-letter queue {schedule.dead_letter_arn}: {refusal.message}")
                return Outcome.DROPPED
        try:
            url = self._sqs.get_queue_url(QueueName=queue_name(schedule.dead_letter_arn))[
                "QueueUrl"
            ]
            self._sqs.send_message(
                QueueUrl=url,
                MessageBody=json.dumps(body, sort_keys=True),
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value}
                    for name, value in attributes.items()
                },
            )
        except Exception as error:
            self._error(f"dead-letter queue {schedule.dead_letter_arn} refused: {error!r}")
            return Outcome.DROPPED
        return Outcome.DEAD_LETTERED

    # -- reporting ---------------------------------------------------------------------------
    def snapshot(self) -> tuple[list[Firing], list[Refusal]]:
        with self._lock:
            return list(self.firings), list(self.refusals.values())

    def _error(self, message: str) -> None:
        log.error(message)
        with self._lock:
            self.errors.append(message)
        self._write({"event": "error", "message": message})

    def _write(self, entry: dict[str, Any]) -> None:
        if self._journal is None:
            return
        entry = {"at": _iso(self._now()), **entry}
        with self._lock:
            self._journal.parent.mkdir(parents=True, exist_ok=True)
            with self._journal.open("a", encoding="utf-8") as journal:
                journal.write(json.dumps(entry, sort_keys=True, default=str) + "\n")
