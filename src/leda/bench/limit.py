"""The ceiling the pipeline is measured against: how many version-conditional UpdateItem calls
per second DynamoDB Local takes, at the best client concurrency, on this machine, now.

It is measured in the same run as the pipeline and against the same emulator, so the ratio
between the two says how much of the machine's write capacity the pipeline turns into
aggregated trades, whatever the machine.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

CONCURRENCIES = (1, 4, 8, 16)


@dataclass(frozen=True)
class LimitReport:
    best_calls_per_second: float
    best_concurrency: int
    by_concurrency: dict[int, float]


def _writer(client: Any, table: str, stop: threading.Event, counts: list[int], slot: int) -> None:
    version = 0
    key = uuid.uuid4().hex
    while not stop.is_set():
        version += 1
        client.update_item(
            TableName=table,
            Key={"id": {"S": f"{key}-{version % 500}"}},
            UpdateExpression="SET #v = :v, #val = :val",
            ConditionExpression="attribute_not_exists(id) OR #v < :v",
            ExpressionAttributeNames={"#v": "Version", "#val": "Value"},
            ExpressionAttributeValues={":v": {"N": str(version)}, ":val": {"N": "1.5"}},
        )
        counts[slot] += 1


def measure(
    make_client: Any, seconds: float = 3.0, concurrencies: tuple[int, ...] = CONCURRENCIES
) -> LimitReport:
    """Conditional single-item writes per second at each concurrency, on a scratch table."""
    setup = make_client()
    table = f"leda-bench-limit-{uuid.uuid4().hex[:8]}"
    setup.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    results: dict[int, float] = {}
    try:
        for threads in concurrencies:
            clients = [make_client() for _ in range(threads)]
            counts = [0] * threads
            stop = threading.Event()
            workers = [
                threading.Thread(target=_writer, args=(c, table, stop, counts, i), daemon=True)
                for i, c in enumerate(clients)
            ]
            started = time.perf_counter()
            for worker in workers:
                worker.start()
            time.sleep(seconds)
            stop.set()
            for worker in workers:
                worker.join()
            results[threads] = sum(counts) / (time.perf_counter() - started)
    finally:
        setup.delete_table(TableName=table)
    best = max(results, key=lambda n: results[n])
    return LimitReport(round(results[best], 1), best, {n: round(r, 1) for n, r in results.items()})
