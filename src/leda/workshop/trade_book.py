"""The referee's record of every trade sent: each trade's latest version, and running totals.

Why not the messages themselves: the referee compares the aggregates with what they must be
twice a second while a burst runs. Recomputed from every message read since the start, that was
47 ms a look at 30,000 messages (three bursts), on the two cores the pipeline needs, and the
messages kept 2.6 MB of the runtime's memory per 10,000 for as long as a class runs. Here each
message read changes the totals once (the trade's previous latest version out, the new one in),
and the latest versions live in an SQLite database of SQLite's own private temporary kind (the
standard library's; an empty file name): its pages beyond a small cache go to a file that
SQLite deletes itself, so the runtime's memory no longer grows with the bursts.

The arithmetic is the ledger's (ledger.py): highest Version wins, a later copy of the same
version changes nothing, each trade counts under its RiskType, desk and region.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator
from decimal import Decimal

from leda.workshop.ledger import KEYS, LEAVES, Trade, contribution_keys, latest_versions

PAGE = 500  # trades looked up, or handed back, per SQLite statement

_SCHEMA = """
CREATE TABLE trades (
    id TEXT PRIMARY KEY,
    version TEXT NOT NULL,  -- any whole number a message may carry, beyond SQLite's 64 bits
    value TEXT NOT NULL,    -- exact: Decimal's own text
    burst TEXT NOT NULL,    -- the timestamp of the burst whose message set this version
    leaf TEXT NOT NULL
) WITHOUT ROWID
"""


class TradeBook:
    """Latest version of every trade read, and the aggregates they add up to.

    Safe to share between threads (the play loop adds, a lab check may read): one lock around
    every statement.
    """

    def __init__(self) -> None:
        # "" is SQLite's private temporary database: on disk beyond its cache, deleted with the
        # connection.
        self._db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = OFF")  # nothing here outlives the run
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()
        self._totals = dict.fromkeys(KEYS, Decimal(0))
        self._bursts: dict[str, Decimal] = {}  # each burst's timestamp, one object per burst
        self.messages = 0  # every trade message added, duplicates and older versions included
        self.trades = 0  # distinct trades

    def add(self, messages: Iterable[Trade]) -> None:
        """Messages in the order they were read."""
        batch = list(messages)
        newest = latest_versions(batch)
        with self._lock:
            self.messages += len(batch)
            known = self._rows(list(newest))
            changed: list[tuple[str, str, str, str, str]] = []
            for trade_id, trade in newest.items():
                before = known.get(trade_id)
                if before is not None and trade.version <= before.version:
                    continue
                if before is None:
                    self.trades += 1
                else:
                    self._count(before, -1)
                self._count(trade, +1)
                changed.append(
                    (
                        trade_id,
                        str(trade.version),
                        str(trade.value),
                        str(trade.timestamp),
                        trade.leaf,
                    )
                )
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO trades VALUES (?, ?, ?, ?, ?)", changed)
            self._db.execute("COMMIT")

    def expected(self) -> dict[str, Decimal]:
        """Every key's total over the latest version of every trade (ledger.expected_aggregates
        of every message added)."""
        with self._lock:
            return dict(self._totals)

    def latest(self, bursts: Collection[Decimal] | None = None) -> Iterator[list[Trade]]:
        """The latest version of every trade (only those whose latest version came in one of
        `bursts`, if given), a page at a time, in trade-id order; no statement stays open
        between pages, so the book may change in between."""
        wanted = None if bursts is None else {str(stamp) for stamp in bursts}
        after = ""
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT * FROM trades WHERE id > ? ORDER BY id LIMIT ?", (after, PAGE)
                ).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            page = [self._trade(row) for row in rows if wanted is None or row[3] in wanted]
            if page:
                yield page

    def _rows(self, trade_ids: list[str]) -> dict[str, Trade]:
        found: dict[str, Trade] = {}
        for start in range(0, len(trade_ids), PAGE):
            chunk = trade_ids[start : start + PAGE]
            marks = ", ".join("?" * len(chunk))
            query = f"SELECT * FROM trades WHERE id IN ({marks})"  # only "?" marks are formatted in
            for row in self._db.execute(query, chunk):
                found[row[0]] = self._trade(row)
        return found

    def _trade(self, row: tuple[str, str, str, str, str]) -> Trade:
        trade_id, version, value, burst, leaf = row
        stamp = self._bursts.setdefault(burst, Decimal(burst))
        return Trade(trade_id, int(version), Decimal(value), stamp, LEAVES[leaf])

    def _count(self, trade: Trade, sign: int) -> None:
        for key in contribution_keys(trade.leaf):
            self._totals[key] += sign * trade.value
