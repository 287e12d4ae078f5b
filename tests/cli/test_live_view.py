"""What the live view of `leda local up` and `leda watch` draws, from plain numbers."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console

from leda.cli.live_view import InfluxMeter, activity_table


def _text(renderable) -> str:
    console = Console(width=160, record=True)
    console.print(renderable)
    return console.export_text()


def test_each_trigger_shows_its_iterator_age():
    trigger = {
        "batches": 3,
        "records_delivered": 250,
        "failures": 1,
        "retries": 1,
        "bisects": 0,
        "discarded_records": 0,
        "iterator_age_ms": 42_500,
    }
    snapshot = {"functions": {}, "triggers": {"p-StateLambdaTrigger": trigger}}
    text = _text(activity_table(snapshot))
    assert "iterator age" in text
    row = next(line for line in text.splitlines() if "p-StateLambdaTrigger" in line)
    assert row.split()[-2:] == ["42.5", "s"]


def test_influx_is_messages_per_second_between_two_reads():
    times = iter([100.0, 102.0])
    meter = InfluxMeter(clock=lambda: next(times))
    assert meter.rate({"message_count": Decimal(1000)}) is None  # nothing to compare yet
    assert meter.rate({"message_count": Decimal(3000)}) == 1000.0
