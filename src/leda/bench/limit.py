"""The ceiling the pipeline is measured against: how many trades per second DynamoDB Local
writes under the stage's own write pattern, at the best client concurrency, on this machine, now.

Two patterns, as StateLambda writes (leda_pipeline.io.state_store):
- `update-item`: one version-conditional UpdateItem per trade (`wired`, `fault-tolerant`: the
  workshop's code);
- `partiql-batch-25`: BatchExecuteStatement of 25 `UPDATE ... WHERE Version < ?` (`hardened`).

Each client is its own process, as each function worker is: threads in one Python process would
share one interpreter lock and measure botocore rather than DynamoDB Local. It is measured in
the same run as the pipeline and against the same emulator, so the ratio between the two says
how much of the machine's write capacity the pipeline turns into aggregated trades.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

CONCURRENCIES = (1, 2, 4, 8)
UPDATE_ITEM = "update-item"
PARTIQL_BATCH = "partiql-batch-25"
PATTERNS = (UPDATE_ITEM, PARTIQL_BATCH)
_BATCH = 25
_KEYS = 500  # each client cycles over its own keys: all exist after the first pass
_START_MARGIN = 1.0  # seconds for the (already started and warm) client processes to begin


@dataclass(frozen=True)
class LimitReport:
    pattern: str
    best_trades_per_second: float
    best_concurrency: int
    by_concurrency: dict[int, float]


def pattern_for(state_write: str | None) -> str:
    """The write pattern of a STATE_WRITE switch value (leda_pipeline.switches)."""
    return PARTIQL_BATCH if state_write == "version-conditional-batched" else UPDATE_ITEM


def _update_item(client: Any, table: str, key: str, version: int) -> int:
    client.update_item(
        TableName=table,
        Key={"id": {"S": f"{key}-{version % _KEYS}"}},
        UpdateExpression="SET #v = :v, #val = :val",
        ConditionExpression="attribute_not_exists(id) OR #v < :v",
        ExpressionAttributeNames={"#v": "Version", "#val": "Value"},
        ExpressionAttributeValues={":v": {"N": str(version)}, ":val": {"N": "1.5"}},
    )
    return 1


def _partiql_batch(client: Any, table: str, key: str, version: int) -> int:
    statement = (
        f'UPDATE "{table}" SET "Value" = ? SET "Version" = ? WHERE "id" = ? AND "Version" < ?'
    )
    client.batch_execute_statement(
        Statements=[
            {
                "Statement": statement,
                "Parameters": [
                    {"N": "1.5"},
                    {"N": str(version)},
                    {"S": f"{key}-{(version * _BATCH + i) % _KEYS}"},
                    {"N": str(version)},
                ],
            }
            for i in range(_BATCH)
        ]
    )
    return _BATCH


def _seed(client: Any, table: str, key: str) -> None:
    """Every key of this client, version 0, so the batched UPDATE finds them."""
    for start in range(0, _KEYS, _BATCH):
        client.batch_write_item(
            RequestItems={
                table: [
                    {
                        "PutRequest": {
                            "Item": {
                                "id": {"S": f"{key}-{i}"},
                                "Version": {"N": "0"},
                                "Value": {"N": "0"},
                            }
                        }
                    }
                    for i in range(start, start + _BATCH)
                ]
            }
        )


def _client_process(
    endpoint: str, table: str, pattern: str, start_at: float, seconds: float
) -> int:
    """Trades written by one client from `start_at` for `seconds` (run in its own process)."""
    from leda.cloud.credentials import local_client

    client = local_client("dynamodb", endpoint, retries={"mode": "standard", "max_attempts": 4})
    key = uuid.uuid4().hex
    write = _partiql_batch if pattern == PARTIQL_BATCH else _update_item
    if pattern == PARTIQL_BATCH:
        _seed(client, table, key)
    time.sleep(max(0.0, start_at - time.time()))
    written = 0
    version = 0
    while time.time() < start_at + seconds:
        version += 1
        written += write(client, table, key, version)
    return written


def _ready() -> None:
    """Import what a client needs and hold the process a moment, so each of the pool's
    processes is started and warm before any window is timed."""
    import boto3  # noqa: F401

    from leda.cloud import credentials  # noqa: F401

    time.sleep(0.5)


def measure(
    make_client: Any,
    endpoint: str,
    pattern: str = UPDATE_ITEM,
    seconds: float = 3.0,
    concurrencies: tuple[int, ...] = CONCURRENCIES,
) -> LimitReport:
    """Trades per second at each number of client processes, on a scratch table."""
    if pattern not in PATTERNS:
        raise ValueError(f"unknown write pattern {pattern!r}; allowed: {', '.join(PATTERNS)}")
    setup = make_client()
    table = f"leda-bench-limit-{uuid.uuid4().hex[:8]}"
    setup.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    results: dict[int, float] = {}
    spawn = multiprocessing.get_context("spawn")  # never fork the threaded runtime
    try:
        with ProcessPoolExecutor(max_workers=max(concurrencies), mp_context=spawn) as pool:
            for warming in [pool.submit(_ready) for _ in range(max(concurrencies))]:
                warming.result()
            for clients in concurrencies:
                start_at = time.time() + _START_MARGIN
                futures = [
                    pool.submit(_client_process, endpoint, table, pattern, start_at, seconds)
                    for _ in range(clients)
                ]
                results[clients] = sum(f.result() for f in futures) / seconds
    finally:
        setup.delete_table(TableName=table)
    best = max(results, key=lambda n: results[n])
    return LimitReport(
        pattern, round(results[best], 1), best, {n: round(r, 1) for n, r in results.items()}
    )
