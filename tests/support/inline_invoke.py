"""An in-process function for the trigger engine: a plain callable with the engine's Invoke shape.

A test scripts what the function does with each batch: a script receives the request and returns
the function's response, or raises to fail the invocation, as a Lambda handler does. Every call
is recorded (records, start and end time, result) and so is concurrency, per shard and overall.
The worker processes (timeouts, crashes, reserved concurrency) are not emulated here: those stay
with the tests that run the real FunctionPool.
"""

from __future__ import annotations

import base64
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from leda.workers.spec import InvocationResult


class FunctionError(RuntimeError):
    """What a scripted function raises to fail an invocation."""


@dataclass(frozen=True, slots=True)
class Item:
    """One record as the function received it."""

    shard_id: str
    sequence_number: str
    data: str


def _item(record: Mapping[str, Any]) -> Item:
    shard_id = str(record["eventID"]).rsplit(":", 1)[0]
    if "kinesis" in record:
        body = record["kinesis"]
        data = base64.b64decode(body["data"]).decode(errors="replace")
        return Item(shard_id, body["sequenceNumber"], data)
    body = record["dynamodb"]
    return Item(shard_id, body["SequenceNumber"], body["Keys"]["pk"]["S"])


@dataclass(frozen=True, slots=True)
class Request:
    items: tuple[Item, ...]
    number: int  # 1-based, over all calls of the function
    seen: int  # calls with exactly these records so far, this one included

    @property
    def data(self) -> list[str]:
        return [item.data for item in self.items]


@dataclass(frozen=True, slots=True)
class Call:
    items: tuple[Item, ...]
    number: int
    started: float
    ended: float
    result: InvocationResult

    @property
    def data(self) -> list[str]:
        return [item.data for item in self.items]

    @property
    def sequences(self) -> list[str]:
        return [item.sequence_number for item in self.items]

    @property
    def shard_id(self) -> str:
        return self.items[0].shard_id

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def reported(self) -> list[str]:
        """The itemIdentifiers the function named in batchItemFailures, if it named any."""
        payload = self.result.payload
        if not self.ok or not isinstance(payload, Mapping):
            return []
        failures = payload.get("batchItemFailures") or []
        return [str(f.get("itemIdentifier")) for f in failures if isinstance(f, Mapping)]


Script = Callable[[Request], object]


class InlineFunction:
    """The function behind a mapping, called in the poller's own thread."""

    def __init__(
        self,
        script: Script | None = None,
        *,
        clock: Callable[[], float] = time.time,
        duration: float = 0.0,
        pause: Callable[[float], None] = time.sleep,
        on_call: Callable[[Call], None] | None = None,
    ) -> None:
        self._script = script or succeed
        self._clock = clock
        self._duration = duration
        self._pause = pause
        self._on_call = on_call
        self._lock = threading.Lock()
        self._seen: Counter[tuple[Item, ...]] = Counter()
        self._in_flight: Counter[str] = Counter()
        self.calls: list[Call] = []
        self.peak_in_flight = 0
        self.peak_in_flight_per_shard: Counter[str] = Counter()

    def __call__(self, event: dict[str, Any]) -> InvocationResult:
        items = tuple(_item(record) for record in event["Records"])
        shards = {item.shard_id for item in items}
        with self._lock:
            self._seen[items] += 1
            request = Request(items, len(self.calls) + 1, self._seen[items])
            for shard in shards:
                self._in_flight[shard] += 1
                self.peak_in_flight_per_shard[shard] = max(
                    self.peak_in_flight_per_shard[shard], self._in_flight[shard]
                )
            self.peak_in_flight = max(self.peak_in_flight, sum(self._in_flight.values()))
        started = self._clock()
        try:
            if self._duration:
                self._pause(self._duration)
            payload = self._script(request)
            result = InvocationResult(True, payload)
        except Exception as error:
            result = InvocationResult(False, None, type(error).__name__, str(error))
        call = Call(items, request.number, started, self._clock(), result)
        with self._lock:
            for shard in shards:
                self._in_flight[shard] -= 1
            self.calls.append(call)
        if self._on_call is not None:
            self._on_call(call)
        return result

    def delivered(self) -> list[str]:
        """Payloads of the calls that succeeded without naming any failed item, in call order."""
        return [d for call in self.calls if call.ok and not call.reported for d in call.data]

    def batches(self) -> list[list[str]]:
        return [call.data for call in self.calls]


# --- scripts -------------------------------------------------------------------------------


def succeed(request: Request) -> object:
    return None


def fail_times(count: int) -> Script:
    """The first `count` calls fail, whatever their records."""

    def script(request: Request) -> object:
        if request.number <= count:
            raise FunctionError(f"failing call {request.number} on purpose")
        return None

    return script


def fail_when(predicate: Callable[[Item], bool]) -> Script:
    """Every call holding a record that matches fails (a poison record)."""

    def script(request: Request) -> object:
        bad = [item.data for item in request.items if predicate(item)]
        if bad:
            raise FunctionError(f"poison records {bad}")
        return None

    return script


def poison(*data: str) -> Script:
    return fail_when(lambda item: item.data in data)


def report_failures(predicate: Callable[[Item], bool], times: int | None = None) -> Script:
    """Name the matching records in batchItemFailures, in the first `times` calls that hold one
    (every time with None)."""
    reported = 0

    def script(request: Request) -> object:
        nonlocal reported
        failed = [item for item in request.items if predicate(item)]
        if not failed or (times is not None and reported >= times):
            return None
        reported += 1
        return {"batchItemFailures": [{"itemIdentifier": i.sequence_number} for i in failed]}

    return script


def respond(payload: object) -> Script:
    """Return `payload` from every call."""
    return lambda request: payload


def in_turn(*scripts: Script) -> Script:
    """Call N runs the Nth script; calls after the last succeed."""

    def script(request: Request) -> object:
        if request.number <= len(scripts):
            return scripts[request.number - 1](request)
        return None

    return script


def chain(*scripts: Script) -> Script:
    """Run scripts in order: the first to raise fails the call, the first to return something
    other than None gives the response."""

    def script(request: Request) -> object:
        for step in scripts:
            response = step(request)
            if response is not None:
                return response
        return None

    return script
