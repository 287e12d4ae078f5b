"""Properties over any failure pattern: every record is done exactly once and in shard order,
either by the function or by the on-failure destination; nothing is skipped; one batch is in
flight; a retry holds the same records; no record is invoked past its maximum age; and a restart
at any moment replays the batch in flight exactly.

"Done" is judged here from what the function answered, by Lambda's rules, independently of the
engine: success or an empty failure list does the whole batch, an error does nothing, a partial
failure does the records before the lowest named one (only with ReportBatchItemFailures; without
it any answer is success), an identifier not in the batch does nothing.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leda.triggers.checkpoints import AT_HORIZON, Position
from leda.triggers.config import REPORT_BATCH_ITEM_FAILURES, MappingConfig, SourceKind
from tests.support.inline_invoke import Call, FunctionError, Request, Script
from tests.support.memory_destination import FailureMessage
from tests.triggers.conftest import Rig, scratch_directory

PROPERTY_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the function answers to one call."""

    kind: str  # ok, error, partial, invalid, empty
    at: float = 0.0  # partial: where the first failed record is, as a fraction of the batch

    def respond(self, request: Request) -> object:
        items = request.items
        if self.kind == "error":
            raise FunctionError("scripted failure")
        if self.kind == "partial":
            first = items[int(self.at * len(items))]
            named = [first.sequence_number, items[-1].sequence_number]  # the lowest counts
            return {"batchItemFailures": [{"itemIdentifier": s} for s in named]}
        if self.kind == "invalid":
            return {"batchItemFailures": [{"itemIdentifier": "no-such-record"}]}
        if self.kind == "empty":
            return {"batchItemFailures": []}
        return None

    def done(self, length: int, reports: bool) -> int:
        """How many records at the front of the batch this answer does, by Lambda's rules."""
        if self.kind == "error":
            return 0
        if not reports or self.kind in ("ok", "empty"):
            return length
        if self.kind == "partial":
            return int(self.at * length)
        return 0  # invalid


answers = st.one_of(
    st.sampled_from(
        [Answer("ok"), Answer("error"), Answer("error"), Answer("invalid"), Answer("empty")]
    ),
    st.builds(Answer, st.just("partial"), st.floats(0, 0.999)),
)


@dataclass(frozen=True, slots=True)
class Scenario:
    kind: SourceKind
    gaps: list[float]  # seconds between records' arrivals; one record each
    batch_size: int
    window: float
    bisect: bool
    reports: bool
    max_retries: int
    max_age: int
    duration: float  # of every call
    answers: list[Answer]

    def config(self, rig: Rig) -> MappingConfig:
        return rig.config(
            batch_size=self.batch_size,
            batching_window_seconds=self.window,
            bisect_on_error=self.bisect,
            function_response_types=(REPORT_BATCH_ITEM_FAILURES,) if self.reports else (),
            maximum_retry_attempts=self.max_retries,
            maximum_record_age_seconds=self.max_age,
        )


@st.composite
def scenarios(draw: st.DrawFn, restartable: bool = False) -> Scenario:
    return Scenario(
        kind=draw(st.sampled_from(SourceKind)),
        gaps=draw(st.lists(st.sampled_from([0.0, 0.0, 0.0, 0.5, 4.0]), min_size=1, max_size=20)),
        batch_size=draw(st.integers(1, 8)),
        window=draw(st.sampled_from([0, 0, 2])),
        bisect=draw(st.booleans()),
        reports=draw(st.booleans()),
        max_retries=draw(st.sampled_from([-1, 0, 0, 1, 3])),
        max_age=-1 if restartable else draw(st.sampled_from([-1, -1, 60])),
        duration=draw(st.sampled_from([0.0, 0.0, 5.0, 20.0])),
        answers=draw(st.lists(answers, max_size=25)),
    )


@dataclass
class Run:
    """One scenario on a rig: the records, the function, and what each call saw."""

    rig: Rig
    scenario: Scenario
    config: MappingConfig
    names: list[str]
    done_by_call: dict[int, int] = field(default_factory=dict)
    position_at_call: dict[int, Position] = field(default_factory=dict)

    @classmethod
    def start(cls, rig: Rig, scenario: Scenario) -> Run:
        names = [f"r{i}" for i in range(len(scenario.gaps))]
        when = rig.clock.now
        for name, gap in zip(names, scenario.gaps, strict=True):
            when += gap
            if when == rig.clock.now:
                rig.put(name)
            else:
                rig.clock.at(when, functools.partial(rig.put, name))
        return cls(rig, scenario, scenario.config(rig), names)

    def script(self, answers: list[Answer]) -> Script:
        def script(request: Request) -> object:
            self.position_at_call[request.number] = self.rig.position(self.config)
            answer = answers[request.number - 1] if request.number <= len(answers) else Answer("ok")
            self.done_by_call[request.number] = answer.done(
                len(request.items), self.scenario.reports
            )
            return answer.respond(request)

        return script

    def finished(self) -> bool:
        return len(self.rig.stream.records(self.rig.shard)) == len(self.names) and (
            self.rig.caught_up(self.config)()
        )


def check_timeline(run: Run, events: list[Call | FailureMessage], done: list[str]) -> None:
    """Walk calls and discards in the order they happened, keeping the records done so far."""
    scenario, rig = run.scenario, run.rig
    records = rig.stream.records(rig.shard)
    sequences = [record.sequence_number for record in records]
    arrival = {record.sequence_number: record.arrival for record in records}
    failed: Call | None = None
    for event in events:
        next_index = len(done)
        if isinstance(event, Call):
            # in order, nothing skipped, one batch in flight: it starts at the first record not done
            assert event.sequences == sequences[next_index : next_index + len(event.items)]
            assert len(event.items) <= scenario.batch_size
            position = run.position_at_call[event.number]
            assert position.done == (done[-1] if done else AT_HORIZON)
            assert position.in_flight_end == event.sequences[-1]  # a restart would replay it
            if scenario.max_age != -1:
                assert all(event.started - arrival[s] <= scenario.max_age for s in event.sequences)
            if failed is not None and event.sequences[0] in failed.sequences:
                # the retry (or a split) holds only records of the failed batch
                assert set(event.sequences) <= set(failed.sequences)
                if not scenario.bisect and scenario.max_age == -1:
                    # ... up to the batch's end, but for the last attempt of a record reported
                    # failed until its retries ran out: alone (test_aws_shapes.py)
                    first_failed = failed.sequences[run.done_by_call[failed.number]]
                    solo = scenario.reports and event.sequences == [first_failed]
                    assert event.sequences[-1] == failed.sequences[-1] or solo
            finished = run.done_by_call[event.number]
            done.extend(event.sequences[:finished])
            failed = event if finished < len(event.items) else None
        else:
            start, end = sequences.index(event.start), sequences.index(event.end)
            assert start == next_index  # discarded in order, nothing skipped
            assert event.batch_size == end - start + 1
            assert event.shard_id == rig.shard
            if event.condition == "RetryAttemptsExhausted":
                assert scenario.max_retries != -1
                if scenario.bisect and not scenario.reports:
                    assert event.batch_size == 1  # split down to one record before giving up
            else:
                assert event.condition == "RecordAgeExceeded" and scenario.max_age != -1
            done.extend(sequences[start : end + 1])


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_any_failure_pattern_does_every_record_once_in_order(scenario: Scenario):
    with scratch_directory() as directory:
        rig = Rig(directory, kind=scenario.kind)
        run = Run.start(rig, scenario)
        function = rig.function(run.script(scenario.answers), duration=scenario.duration)
        rig.run(run.config, function, until=run.finished, budget=5_000)

        done: list[str] = []
        check_timeline(run, rig.timeline, done)
        sequences = [record.sequence_number for record in rig.stream.records(rig.shard)]
        assert done == sequences  # every record exactly once, in shard order
        if scenario.max_retries != -1:
            tries = Counter(tuple(call.sequences) for call in function.calls)
            # the first attempt and the retries; a record reported failed every time gets one
            # more, alone, before it is given up
            last_alone = 1 if scenario.reports else 0
            assert max(tries.values()) <= scenario.max_retries + 1 + last_alone
        if scenario.max_retries == -1 and scenario.max_age == -1:
            assert rig.discarded == []  # nothing is given up on without a limit
        if not scenario.bisect and not scenario.reports and scenario.max_age == -1:
            assert all(m.attempts == scenario.max_retries + 1 for m in rig.discarded)


@PROPERTY_SETTINGS
@given(scenario=scenarios(restartable=True), stop_after=st.integers(1, 6))
def test_a_restart_at_any_moment_replays_the_batch_in_flight_exactly(
    scenario: Scenario, stop_after: int
):
    with scratch_directory() as directory:
        rig = Rig(directory, kind=scenario.kind)
        run = Run.start(rig, scenario)
        before = rig.function(run.script(scenario.answers), duration=scenario.duration)
        rig.run(
            run.config,
            before,
            until=lambda: len(before.calls) >= stop_after or run.finished(),
            budget=5_000,
        )
        done: list[str] = []
        check_timeline(run, list(rig.timeline), done)
        last = before.calls[-1] if before.calls else None
        in_flight = [s for s in last.sequences if s not in done] if last else []

        rig.restart()
        rig.clock.advance(10_000)  # every record has arrived by now
        rig.put("new-1", "new-2")
        run.names.extend(["new-1", "new-2"])
        after = rig.function()
        rig.run(run.config, after, until=run.finished)

        assert all(s not in done for call in after.calls for s in call.sequences)
        if in_flight:
            assert after.calls[0].sequences == in_flight  # the same records, nothing added
        delivered = done + [s for call in after.calls for s in call.sequences]
        assert delivered == [record.sequence_number for record in rig.stream.records(rig.shard)]
