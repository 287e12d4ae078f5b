"""An independent check of every burst, from what actually went through the stream.

The referee reads every message in the Kinesis stream, every state change in StateTable's
stream (once a burst is over: while it runs, that stream is left to the pipeline) and the
aggregates, and computes from those alone what the aggregates must be (the latest version of
every trade). Its arithmetic is its own (ledger.py): it shares no code with
the generator's check or the functions, so a bug in one cannot hide a bug in the other.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from leda.triggers.sources import IteratorExpired, ShardSource
from leda.workshop.ledger import COUNT_KEY, NotATrade, Trade, mismatches, read_trade
from leda.workshop.tables import read_aggregates
from leda.workshop.trade_book import TradeBook

SHARD_LIST_SECONDS = 5.0  # how long a listing of the stream's shards is trusted
ADD_EVERY = 1_000  # trades read are added to the book this many at a time


class StreamReader:
    """Everything new in every shard of a stream since the last call, one page at a time.

    Events are handed over as each GetRecords answer arrives, never gathered first: StateTable's
    stream holds every trade's change with both images, and a burst's worth of them at once is
    tens of megabytes the referee only needs to count. A page is marked read as it is handed
    over, so a reader called again after a failure (an emulator going away mid-read) neither
    loses nor repeats a record.

    It lists the shards every SHARD_LIST_SECONDS and, with `keep_iterators`, keeps each shard's
    next iterator, so a call costs one GetRecords per shard: the referee reads while the
    pipeline runs, on the same emulators, and must take as little of them as it can. Only for
    Kinesis: on DynamoDB Local the iterator an empty read hands back can miss a record written
    just then (the pollers take a fresh one too, leda.triggers.poller), so a table stream is
    read from a new iterator after its last record every time.
    """

    def __init__(
        self,
        source: ShardSource,
        clock: Callable[[], float] = time.monotonic,
        keep_iterators: bool = False,
    ) -> None:
        self._source = source
        self._clock = clock
        self._keep_iterators = keep_iterators
        self._last: dict[str, str | None] = {}  # shard -> last sequence number read
        self._next: dict[str, str] = {}  # shard -> the iterator to read it from next
        self._ended: set[str] = set()  # closed shards read to their end
        self._shards: list[str] = []
        self._listed_at: float | None = None

    def _shard_ids(self) -> list[str]:
        now = self._clock()
        if self._listed_at is None or now - self._listed_at >= SHARD_LIST_SECONDS:
            self._shards = [shard.shard_id for shard in self._source.shards()]
            self._listed_at = now
        return self._shards

    def read_new(self) -> Iterator[dict[str, Any]]:
        for shard_id in self._shard_ids():
            if shard_id in self._ended:
                continue
            iterator = self._next.pop(shard_id, None)
            if iterator is None:
                iterator = self._source.iterator(shard_id, self._last.get(shard_id))
            while iterator is not None:
                try:
                    records, following = self._source.read(shard_id, iterator)
                except IteratorExpired:
                    break  # read again from the last record next time
                if following is None:
                    self._ended.add(shard_id)
                iterator = following
                if not records:
                    if iterator is not None and self._keep_iterators:
                        self._next[shard_id] = iterator
                    break
                self._last[shard_id] = records[-1].sequence_number
                for record in records:
                    yield record.event


@dataclass
class BurstTally:
    timestamp: Decimal
    sent: int = 0
    first_arrival: float | None = None
    state_changes: int = 0
    correct_at: float | None = None


@dataclass
class AggregateReader:
    """AggregateTable, read whole."""

    dynamodb: Any
    table: str

    def read(self) -> dict[str, Decimal]:
        return read_aggregates(self.dynamodb, self.table)


@dataclass
class Referee:
    kinesis: StreamReader
    state_stream: StreamReader | None
    aggregates: AggregateReader
    book: TradeBook = field(default_factory=TradeBook)  # every trade's latest version
    bursts: dict[Decimal, BurstTally] = field(default_factory=dict)
    malformed: int = 0
    state_changes: int = 0  # every INSERT and MODIFY StateTable's stream ever recorded
    baseline: dict[str, Decimal] = field(default_factory=dict)
    last_read: dict[str, Decimal] = field(default_factory=dict)  # the latest aggregates read
    _checked: set[Decimal] = field(default_factory=set)  # bursts whose state was verified

    def start(self) -> None:
        """The referee reads the stream from its first record, so it compares against empty
        aggregates: a run resumed on kept data is checked over everything ever sent."""
        self.baseline = {}

    def _burst(self, timestamp: Decimal) -> BurstTally:
        if timestamp not in self.bursts:
            self.bursts[timestamp] = BurstTally(timestamp)
        return self.bursts[timestamp]

    def observe(self) -> None:
        """Everything new: the messages sent and StateTable's changes."""
        self.observe_sent()
        self.observe_state()

    def observe_sent(self) -> int:
        """The messages new in the Kinesis stream: all a burst's judgement needs while it runs
        (with the aggregates), so the referee leaves StateTable's stream to the pipeline.
        Returns how many records were new, trades or not."""
        read: list[Trade] = []
        new = 0
        for event in self.kinesis.read_new():
            new += 1
            try:
                message = read_trade(base64.b64decode(event["kinesis"]["data"]))
            except NotATrade:
                self.malformed += 1
                continue
            tally = self._burst(message.timestamp)  # a burst's messages share one timestamp
            read.append(replace(message, timestamp=tally.timestamp))
            tally.sent += 1
            arrival = float(event["kinesis"]["approximateArrivalTimestamp"])
            tally.first_arrival = min(tally.first_arrival or arrival, arrival)
            if len(read) >= ADD_EVERY:
                self.book.add(read)
                read = []
        self.book.add(read)
        return new

    def observe_state(self) -> None:
        """StateTable's new changes, counted per burst (for lost and duplicated counts)."""
        if self.state_stream is not None:
            for event in self.state_stream.read_new():
                image = event.get("dynamodb", {}).get("NewImage")
                if event.get("eventName") in ("INSERT", "MODIFY") and image:
                    self._burst(Decimal(image["Timestamp"]["N"])).state_changes += 1
                    self.state_changes += 1

    def expected(self) -> dict[str, Decimal]:
        return self.book.expected()

    def differences(self, actual: dict[str, Decimal] | None = None) -> dict[str, Decimal]:
        """Aggregate key -> actual minus expected, for every key off by more than 1e-5."""
        now = actual if actual is not None else self.aggregates.read()
        self.last_read = now
        grown = {key: now.get(key, Decimal(0)) - self.baseline.get(key, Decimal(0)) for key in now}
        return mismatches(grown, self.expected())

    def aggregated_count(self, actual: dict[str, Decimal]) -> int:
        return int(actual.get(COUNT_KEY, Decimal(0)) - self.baseline.get(COUNT_KEY, Decimal(0)))

    def settled(self, tally: BurstTally, expected_sent: int) -> bool:
        """The burst is fully sent and the aggregates match; notes when that first held.

        The Kinesis stream is read while the burst is being sent; once it is, a look reads the
        aggregates only, and the stream again only when they match, to judge them with
        anything sent since: a GetRecords on each of the stream's shards every look would
        take kinesalite and the cores from the pipeline for the rest of the burst.
        """
        if tally.sent < expected_sent:
            self.observe_sent()
        if tally.sent < expected_sent or self.differences():
            return False
        if self.observe_sent() and self.differences():
            return False
        if tally.correct_at is None:
            tally.correct_at = time.time()
        return True

    @property
    def messages_read(self) -> int:
        """Trade messages read from the Kinesis stream, duplicates included."""
        return self.book.messages

    def state_gaps(self, dynamodb: Any, table: str) -> StateGaps:
        """StateTable against the latest version of every trade read."""
        return state_gaps(dynamodb, table, self.book)

    def lost_trades(self, dynamodb: Any, table: str) -> int:
        """Trades of every burst not yet verified whose latest version StateTable lacks.

        A burst whose state is right is not read again; a wrong one is counted every time.
        """
        pending = {stamp for stamp in self.bursts if stamp not in self._checked}
        lost_by_burst: dict[Decimal, int] = dict.fromkeys(pending, 0)
        for page in self.book.latest(pending):
            for _trade, stamp in stale_trades(dynamodb, table, page):
                lost_by_burst[stamp] += 1
        self._checked.update(stamp for stamp, lost in lost_by_burst.items() if lost == 0)
        return sum(lost_by_burst.values())


@dataclass(frozen=True)
class StateGaps:
    """StateTable against the latest version of every trade sent."""

    trades: int  # distinct trades sent
    missing: int  # not in StateTable at all
    older: int  # in StateTable with another version than the latest sent


def state_gaps(dynamodb: Any, table: str, book: TradeBook) -> StateGaps:
    trades = missing = older = 0
    for page in book.latest():
        held = versions_held(dynamodb, table, page)
        trades += len(page)
        missing += sum(1 for trade in page if trade.trade_id not in held)
        older += sum(1 for t in page if t.trade_id in held and held[t.trade_id] != t.version)
    return StateGaps(trades, missing, older)


def versions_held(dynamodb: Any, table: str, latest: list[Trade]) -> dict[str, int]:
    """The version StateTable holds of each of these trades (absent: not there)."""
    found: dict[str, int] = {}
    ids = [trade.trade_id for trade in latest]
    for start in range(0, len(ids), 100):
        request: dict[str, Any] = {
            table: {
                "Keys": [{"id": {"S": trade}} for trade in ids[start : start + 100]],
                "ConsistentRead": True,
                "ProjectionExpression": "id, Version",
            }
        }
        while request:
            response = dynamodb.batch_get_item(RequestItems=request)
            for item in response["Responses"].get(table, []):
                found[item["id"]["S"]] = int(item["Version"]["N"])
            request = response.get("UnprocessedKeys") or {}
    return found


def stale_trades(dynamodb: Any, table: str, latest: list[Trade]) -> list[tuple[str, Decimal]]:
    """(trade, burst) of each of these latest versions that is not what StateTable holds."""
    held = versions_held(dynamodb, table, latest)
    return [(t.trade_id, t.timestamp) for t in latest if held.get(t.trade_id) != t.version]
