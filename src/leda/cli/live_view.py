"""What `leda local up` and `serve` show: live progress like the workshop's frontend, and the
summary of the bursts."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from leda.workshop.ledger import COUNT_KEY, KEYS, depth
from leda.workshop.run import BurstSummary


class InfluxMeter:
    """Messages per second into the aggregates, as the workshop's frontend shows it."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._previous: tuple[float, Decimal] | None = None

    def rate(self, values: dict[str, Decimal]) -> float | None:
        now, count = self._clock(), values.get(COUNT_KEY, Decimal(0))
        previous, self._previous = self._previous, (now, count)
        if previous is None or now <= previous[0]:
            return None
        return float(count - previous[1]) / (now - previous[0])


def aggregates_table(values: dict[str, Decimal], influx: float | None) -> Table:
    """Every key indented by its depth, as the workshop's frontend shows them."""
    table = Table(title="AggregateTable", show_edge=False, pad_edge=False)
    table.add_column("key")
    table.add_column("value", justify="right")
    count = values.get(COUNT_KEY, Decimal(0))
    rate = f"  ({influx:,.0f} msg/s)" if influx else ""
    table.add_row("[bold]messages[/bold]", f"{count:,.0f}{rate}")
    for key in sorted(KEYS):
        name = key.rsplit(":", 1)[-1]
        table.add_row("  " * depth(key) + name, f"{values.get(key, Decimal(0)):,.2f}")
    return table


def activity_table(snapshot: dict[str, Any]) -> Table:
    table = Table(title="Functions and triggers", show_edge=False, pad_edge=False)
    for column in ("function", "invocations", "errors", "timeouts", "cold starts", "peak"):
        table.add_column(column, justify="left" if column == "function" else "right")
    for name, stats in snapshot["functions"].items():
        table.add_row(
            name,
            *(
                str(stats[k])
                for k in ("invocations", "errors", "timeouts", "cold_starts", "peak_concurrency")
            ),
        )
    triggers = Table(show_edge=False, pad_edge=False)
    for column in (
        "trigger",
        "batches",
        "records",
        "failures",
        "retries",
        "bisects",
        "discarded",
        "iterator age",
    ):
        triggers.add_column(column, justify="left" if column == "trigger" else "right")
    for name, stats in snapshot["triggers"].items():
        triggers.add_row(
            name,
            *(
                str(stats[k])
                for k in (
                    "batches",
                    "records_delivered",
                    "failures",
                    "retries",
                    "bisects",
                    "discarded_records",
                )
            ),
            f"{stats.get('iterator_age_ms', 0) / 1000:,.1f} s",
        )
    outer = Table.grid()
    outer.add_row(table)
    outer.add_row(triggers)
    return outer


def summary_table(summaries: list[BurstSummary]) -> Table:
    table = Table(title="Bursts", show_edge=False, pad_edge=False)
    for column in (
        "burst",
        "sent",
        "aggregated",
        "lost",
        "duplicated",
        "correct",
        "score",
        "seconds to correct",
    ):
        table.add_column(column, justify="right")
    for s in summaries:
        table.add_row(
            str(s.burst),
            f"{s.sent:,}",
            f"{s.aggregated:,}",
            _flag(s.lost),
            _flag(s.duplicated),
            "[green]yes[/green]" if s.correct else "[red]no[/red]",
            str(s.score),
            f"{s.latency_seconds:.1f}" if s.latency_seconds is not None else "-",
        )
    return table


def _flag(count: int) -> str:
    return f"[red]{count:,}[/red]" if count else "0"


def live_view(
    header: str,
    snapshot: dict[str, Any],
    values: dict[str, Decimal],
    influx: float | None,
    summaries: list[BurstSummary],
) -> RenderableType:
    parts: list[RenderableType] = [
        Text(header, style="bold"),
        activity_table(snapshot),
        aggregates_table(values, influx),
    ]
    if summaries:
        parts.append(summary_table(summaries))
    return Group(*parts)
