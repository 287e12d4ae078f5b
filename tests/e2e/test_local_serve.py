"""`leda local serve`: one stack up for the user's own producer, stopped by a signal.

The producer here is plain boto3 with the credentials and endpoints the command printed, as a
user's own code would be; the expected aggregates are summed by the test itself.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.processes import descendants, running
from tests.support.served import client_for, serving

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

LEDA = str(Path(sys.executable).parent / "leda")
LEVELS = (("PV", "Delta"), ("FXSpot", "FXOptions"), ("EMEA", "APAC", "AMER"))


def _trades(count: int, rng: random.Random) -> list[dict[str, object]]:
    now = time.time()
    trades = []
    for _ in range(count):
        risk, desk, region = (rng.choice(level) for level in LEVELS)
        trades.append(
            {
                "TradeID": str(uuid.UUID(int=rng.getrandbits(128))),
                "Value": round(rng.uniform(0, 100_000), 2),
                "Version": 1,
                "Timestamp": now,
                "Hierarchy": {"RiskType": risk, "Region": region, "TradeDesk": desk},
            }
        )
    return trades


def _expected(trades: list[dict[str, object]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {"message_count": Decimal(len(trades))}
    for trade in trades:
        levels = trade["Hierarchy"]
        assert isinstance(levels, dict)
        path = [levels["RiskType"], levels["TradeDesk"], levels["Region"]]
        for depth in (1, 2, 3):
            key = ":".join(path[:depth])
            totals[key] = totals.get(key, Decimal(0)) + Decimal(str(trade["Value"]))
    return totals


def test_serve_feeds_a_plain_producer_through_and_stops_on_sigterm():
    serve = subprocess.Popen(
        [LEDA, "local", "serve", "--stage", "wired", "--participant", "my-team", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None
        line = serve.stdout.readline()
        assert line, serve.stderr.read() if serve.stderr else ""
        description = json.loads(line)
        assert description["stage"] == "wired"
        assert description["participant"] == "my-team"
        [stream] = description["kinesis_streams"]
        assert stream == "my-team-IncomingDataStream"
        assert {"my-team-StateTable", "my-team-AggregateTable"} <= set(description["tables"])
        assert description["tables"]["my-team-StateTable"].startswith("arn:aws:dynamodb:")
        assert description["schedule_groups"] and description["queues"]

        trades = _trades(400, random.Random(7))
        kinesis = client_for(description, "kinesis")
        for start in range(0, len(trades), 100):
            records = [
                {"Data": json.dumps(t).encode(), "PartitionKey": str(t["TradeID"])}
                for t in trades[start : start + 100]
            ]
            assert kinesis.put_records(StreamName=stream, Records=records)["FailedRecordCount"] == 0

        dynamodb = client_for(description, "dynamodb")
        want = _expected(trades)
        deadline = time.time() + 90
        got: dict[str, Decimal] = {}
        while time.time() < deadline:
            items = dynamodb.scan(TableName="my-team-AggregateTable", ConsistentRead=True)["Items"]
            got = {i["Identifier"]["S"]: Decimal(i["Value"]["N"]) for i in items if "Value" in i}
            if got.get("message_count") == want["message_count"]:
                break
            time.sleep(0.5)
        assert got.get("message_count") == Decimal(400), got
        assert set(want) <= set(got)
        for key, value in want.items():
            assert abs(got[key] - value) <= Decimal("0.00001"), key

        started = descendants(serve.pid)
        assert len(started) >= 3  # three emulators, and the function workers
        serve.send_signal(signal.SIGTERM)
        _, stderr = serve.communicate(timeout=60)
        assert serve.returncode == 0, stderr[-2000:]
        assert "stopped (SIGTERM); every process started was stopped" in stderr
        assert not running(started)
    finally:
        if serve.poll() is None:
            serve.kill()


def test_serve_with_the_generator_runs_bursts_on_its_schedule():
    options = ("--stage", "wired", "--participant", "gen-team", "--generator")
    with serving(*options, "--interval", "6", "--burst-size", "40") as (serve, description):
        dynamodb = client_for(description, "dynamodb")
        deadline = time.time() + 90
        count = Decimal(0)
        while time.time() < deadline and count < 2 * 40:
            item = dynamodb.get_item(
                TableName="gen-team-AggregateTable",
                Key={"Identifier": {"S": "message_count"}},
                ConsistentRead=True,
            ).get("Item")
            count = Decimal(item["Value"]["N"]) if item else Decimal(0)
            time.sleep(0.5)
    # The stack's generator sends a burst of 40 on its own every 6 s; at least two have gone
    # through the pipeline.
    assert count >= 2 * 40
    assert serve.returncode == 0
