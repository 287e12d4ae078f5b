"""`leda watch` over an AggregateTable in DynamoDB Local (--endpoint-url): one frame with
--once, a live view refreshed until Ctrl-C, which exits cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leda.cli.app import app
from leda.cloud.credentials import LOCAL_CREDENTIALS, LOCAL_REGION
from leda.workshop.ledger import KEYS

runner = CliRunner()
pytestmark = pytest.mark.emulator
LEDA = [str(Path(sys.executable).parent / "leda")]


@pytest.fixture
def aggregate_table(dynamodb: Any) -> str:
    name = f"aggregates-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "Identifier", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "Identifier", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for key, value in (("message_count", "1234"), ("Delta", "10.5"), ("Delta:FXSpot", "7.25")):
        dynamodb.put_item(TableName=name, Item={"Identifier": {"S": key}, "Value": {"N": value}})
    return name


def test_one_frame_shows_the_count_and_every_aggregate_by_depth(
    dynamodb_endpoint, aggregate_table, tmp_path
):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"aggregateTableName": aggregate_table}))
    result = runner.invoke(
        app,
        [
            "watch",
            "--once",
            "--stack-outputs",
            str(outputs),
            "--endpoint-url",
            dynamodb_endpoint,
            "--region",
            LOCAL_REGION,
        ],
    )
    assert result.exit_code == 0, result.output
    assert aggregate_table in result.output and "UTC" in result.output
    assert "1,234" in result.output
    lines = result.output.splitlines()
    delta = next(line for line in lines if line.split()[:1] == ["Delta"])
    spot = next(line for line in lines if line.strip().startswith("FXSpot"))
    assert delta.split()[-1] == "10.50" and spot.split()[-1] == "7.25"
    assert len(spot) - len(spot.lstrip()) > len(delta) - len(delta.lstrip())  # indented
    shown = {line.split()[0] for line in lines if line.strip()}
    assert {key.rsplit(":", 1)[-1] for key in KEYS} <= shown  # every aggregate, even at 0


def test_ctrl_c_exits_cleanly(dynamodb_endpoint, aggregate_table):
    env = {**os.environ, **LOCAL_CREDENTIALS, "COLUMNS": "100"}
    watcher = subprocess.Popen(
        [
            *LEDA,
            "watch",
            "--table",
            aggregate_table,
            "--endpoint-url",
            dynamodb_endpoint,
            "--region",
            LOCAL_REGION,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # As from a terminal: a suite started in the background (CI) has SIGINT ignored, which
        # a child inherits, and Python then installs no Ctrl-C handler at all.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert watcher.stderr is not None
    before: list[str] = []  # warnings an interpreter may print first
    while not (line := watcher.stderr.readline()).startswith("watching") and line:
        before.append(line)
    assert line.startswith("watching"), before  # started: past its imports, reading
    time.sleep(1.5)  # a few refreshes
    watcher.send_signal(signal.SIGINT)
    out, err = watcher.communicate(timeout=20)
    assert watcher.returncode == 0, err
    assert "Traceback" not in err
    assert "1,234" in out and "stopped" in out


def test_a_missing_table_is_one_line(dynamodb_endpoint):
    result = runner.invoke(
        app,
        ["watch", "--once", "--table", "nope", "--endpoint-url", dynamodb_endpoint],
    )
    assert result.exit_code == 1
    assert "reading nope" in result.output and "Traceback" not in result.output
