"""The trade book agrees with the ledger's arithmetic over every message, however the messages
are split into the pages they are read in, and keeps the trades out of Python's memory."""

from __future__ import annotations

import tracemalloc
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from leda.workshop.ledger import KEYS, Trade, expected_aggregates, latest_versions
from leda.workshop.trade_book import TradeBook

LEAVES = [key for key in KEYS if key.count(":") == 2]

trades = st.builds(
    Trade,
    trade_id=st.sampled_from(["a", "b", "c", "d", "e"]),
    version=st.integers(min_value=1, max_value=4) | st.just(10**30),  # beyond 64 bits too
    value=st.decimals(min_value=-(10**6), max_value=10**6, places=2),
    timestamp=st.sampled_from([Decimal("1700000000"), Decimal("1700000060.5")]),
    leaf=st.sampled_from(LEAVES),
)


def _book(pages: list[list[Trade]]) -> TradeBook:
    book = TradeBook()
    for page in pages:
        book.add(page)
    return book


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(trades, max_size=12), max_size=6))
def test_totals_and_latest_versions_match_the_ledger_over_every_message(pages):
    messages = [trade for page in pages for trade in page]
    book = _book(pages)
    assert book.expected() == expected_aggregates(messages)
    held = [trade for page in book.latest() for trade in page]
    assert held == sorted(latest_versions(messages).values(), key=lambda t: t.trade_id)
    assert (book.messages, book.trades) == (len(messages), len(held))


def test_the_latest_versions_of_some_bursts_only_and_page_by_page():
    first, second = Decimal(1), Decimal(2)
    book = TradeBook()
    book.add([Trade(f"t{n:04}", 1, Decimal(n), first, LEAVES[n % 12]) for n in range(1_200)])
    # A newer version of the first 10 trades, sent in the second burst, moves them there.
    book.add([Trade(f"t{n:04}", 2, Decimal(0), second, LEAVES[0]) for n in range(10)])
    pages = list(book.latest({second}))
    assert [[t.trade_id for t in page] for page in pages] == [[f"t{n:04}" for n in range(10)]]
    sizes = [len(page) for page in book.latest({first})]
    assert sizes == [490, 500, 200]  # pages of 500 trades looked at, the moved ones left out
    assert all(t.timestamp is pages[0][0].timestamp for t in pages[0])  # one Decimal a burst


def test_trades_are_kept_outside_pythons_heap():
    # A list of Trade objects took 2.6 MB per 10,000; the book keeps them in SQLite's pages,
    # which spill to its temporary file beyond a 2 MB cache.
    book = TradeBook()
    stamp = Decimal(1)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for page in range(50):
            book.add(
                [Trade(f"trade-{page}-{n}", 1, Decimal(n), stamp, LEAVES[0]) for n in range(1_000)]
            )
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert book.trades == 50_000
    assert grown < 200_000, grown
