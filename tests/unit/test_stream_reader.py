"""The referee's stream reader: every record once, and as few calls as it can make."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from leda.triggers.records import SourceRecord
from leda.triggers.sources import IteratorExpired, Shard
from leda.workshop.referee import SHARD_LIST_SECONDS, StreamReader


@dataclass
class FakeShards:
    """Shards as lists of records; iterators are (shard, position) strings."""

    records: dict[str, list[str]] = field(default_factory=dict)
    arn: str = "arn:aws:kinesis:us-east-1:000000000000:stream/fake"
    closed: set[str] = field(default_factory=set)
    expired: set[str] = field(default_factory=set)  # iterators that will be refused once
    # DynamoDB Local's quirk: the iterator an empty read hands back skips the next record
    blind_after_empty: bool = False
    calls: Counter[str] = field(default_factory=Counter)

    def shards(self) -> list[Shard]:
        self.calls["list"] += 1
        return [Shard(shard_id, None, shard_id in self.closed) for shard_id in self.records]

    def iterator(self, shard_id: str, after: str | None) -> str | None:
        self.calls["iterator"] += 1
        position = 0 if after is None else int(after.rsplit("-", 1)[1]) + 1
        return f"{shard_id}@{position}"

    def read(self, shard_id: str, iterator: str) -> tuple[list[SourceRecord], str | None]:
        self.calls["read"] += 1
        if iterator in self.expired:
            self.expired.discard(iterator)
            raise IteratorExpired(iterator)
        position = int(iterator.rsplit("@", 1)[1])
        batch = self.records[shard_id][position : position + 2]
        records = [
            SourceRecord(shard_id, f"{shard_id}-{position + i}", 0.0, {"data": data}, 1)
            for i, data in enumerate(batch)
        ]
        following = position + len(batch)
        if not batch and self.blind_after_empty:
            following += 1
        if shard_id in self.closed and following >= len(self.records[shard_id]):
            return records, None
        return records, f"{shard_id}@{following}"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _data(events: list[dict[str, Any]]) -> list[str]:
    return [event["data"] for event in events]


def test_every_record_is_returned_once_across_calls() -> None:
    source = FakeShards({"a": ["a0", "a1", "a2"], "b": ["b0"]})
    reader = StreamReader(source, clock=Clock())
    assert sorted(_data(list(reader.read_new()))) == ["a0", "a1", "a2", "b0"]
    assert list(reader.read_new()) == []
    source.records["a"].append("a3")
    source.records["b"].extend(["b1", "b2"])
    assert sorted(_data(list(reader.read_new()))) == ["a3", "b1", "b2"]


def test_a_quiet_call_costs_one_read_per_shard_and_no_new_iterator() -> None:
    source = FakeShards({"a": ["a0"], "b": ["b0"]})
    reader = StreamReader(source, clock=Clock(), keep_iterators=True)
    list(reader.read_new())
    before = source.calls.copy()
    for _ in range(5):
        list(reader.read_new())
    spent = source.calls - before
    assert spent == Counter({"read": 10})


def test_shards_are_listed_again_only_after_a_while_and_a_new_one_is_then_read() -> None:
    clock = Clock()
    source = FakeShards({"a": ["a0"]})
    reader = StreamReader(source, clock=clock)
    list(reader.read_new())
    source.records["b"] = ["b0"]
    clock.now = SHARD_LIST_SECONDS / 2
    assert list(reader.read_new()) == []
    assert source.calls["list"] == 1
    clock.now = SHARD_LIST_SECONDS
    assert _data(list(reader.read_new())) == ["b0"]
    assert source.calls["list"] == 2


def test_an_expired_iterator_is_replaced_from_the_last_record_read() -> None:
    source = FakeShards({"a": ["a0", "a1"]})
    reader = StreamReader(source, clock=Clock())
    assert _data(list(reader.read_new())) == ["a0", "a1"]
    source.expired.add("a@2")
    source.records["a"].append("a2")
    assert list(reader.read_new()) == []  # refused: nothing lost, read next time
    assert _data(list(reader.read_new())) == ["a2"]


def test_a_closed_shard_read_to_its_end_is_not_read_again() -> None:
    source = FakeShards({"a": ["a0", "a1", "a2"]}, closed={"a"})
    reader = StreamReader(source, clock=Clock())
    assert _data(list(reader.read_new())) == ["a0", "a1", "a2"]
    reads = source.calls["read"]
    assert list(reader.read_new()) == []
    assert source.calls["read"] == reads


def test_without_kept_iterators_a_record_written_after_an_empty_read_is_not_missed() -> None:
    source = FakeShards({"a": ["a0"]}, blind_after_empty=True)
    reader = StreamReader(source, clock=Clock())
    assert _data(list(reader.read_new())) == ["a0"]
    assert list(reader.read_new()) == []
    source.records["a"].append("a1")
    assert _data(list(reader.read_new())) == ["a1"]


def test_kept_iterators_are_only_for_sources_that_resume_correctly() -> None:
    source = FakeShards({"a": ["a0"]}, blind_after_empty=True)
    reader = StreamReader(source, clock=Clock(), keep_iterators=True)
    list(reader.read_new())
    list(reader.read_new())
    source.records["a"].append("a1")
    assert list(reader.read_new()) == []  # the quirk the default guards against


def test_events_are_handed_over_page_by_page_not_gathered_first() -> None:
    source = FakeShards({"a": ["a0", "a1", "a2", "a3", "a4"]})  # pages of two
    reader = StreamReader(source, clock=Clock())
    events = reader.read_new()
    assert next(events)["data"] == "a0"
    assert source.calls["read"] == 1  # the later pages are not read yet
    assert _data(list(events)) == ["a1", "a2", "a3", "a4"]


@dataclass
class FailingShards(FakeShards):
    """Refuses every read of one shard while `failing` is set (an emulator gone mid-read)."""

    failing: str | None = None

    def read(self, shard_id: str, iterator: str) -> tuple[list[SourceRecord], str | None]:
        if shard_id == self.failing:
            raise ConnectionError("gone")
        return super().read(shard_id, iterator)


def test_a_failure_mid_read_neither_loses_nor_repeats_a_record() -> None:
    source = FailingShards({"a": ["a0", "a1", "a2"], "b": ["b0", "b1"]}, failing="b")
    reader = StreamReader(source, clock=Clock())
    seen: list[str] = []
    events = reader.read_new()
    seen.extend(event["data"] for event in itertools.islice(events, 3))
    with pytest.raises(ConnectionError):
        next(events)
    assert seen == ["a0", "a1", "a2"]  # what came before the failure was handed over
    source.failing = None
    source.records["a"].append("a3")
    seen.extend(event["data"] for event in reader.read_new())
    assert sorted(seen) == ["a0", "a1", "a2", "a3", "b0", "b1"]
