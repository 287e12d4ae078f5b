"""Deployments on a shared LocalCloud, and runs that lose an emulator mid-burst.

Every check counts: the referee compares AggregateTable with the latest version of every trade
read back from the stream, and StateTable is counted item by item.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import cast

import pytest

from leda.cloud.local_cloud import CloudOptions, LocalCloud
from leda.deployment.deployment import Deployment, DeploymentError, DeploymentOptions
from leda.workshop.run import BurstSummary, WorkshopOptions, WorkshopRun
from leda.workshop.tables import read_parameter
from tests.support.processes import descendants, find_descendant, running

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

LEDA = str(Path(sys.executable).parent / "leda")


def _play(deployment: Deployment, options: WorkshopOptions, into: dict[str, object]) -> None:
    try:
        with WorkshopRun(deployment, options) as run:
            into["bursts"] = run.play()
    except BaseException as error:  # reported by the test, not lost in the thread
        into["error"] = error


def test_two_stages_side_by_side_on_one_cloud_do_not_interfere():
    """team-a (fault-tolerant, lab 2) is exact under faults while team-b (broken) next to it
    gets nothing through, as each stage predicts; names, tables and counters stay apart."""
    results: dict[str, dict[str, object]] = {"team-a": {}, "team-b": {}}
    with (
        LocalCloud() as cloud,
        Deployment(cloud, DeploymentOptions("fault-tolerant", participant="team-a")) as a,
        Deployment(cloud, DeploymentOptions("broken", participant="team-b")) as b,
    ):
        names_a, names_b = a.names(), b.names()
        assert set(names_a.tables).isdisjoint(names_b.tables)
        assert set(names_a.kinesis_streams).isdisjoint(names_b.kinesis_streams)
        assert all(name.startswith("team-a-") for name in names_a.tables)
        threads = [
            threading.Thread(
                target=_play,
                args=(
                    a,
                    WorkshopOptions(lab2=True, bursts=2, burst_size=1000, interval=16),
                    results["team-a"],
                ),
            ),
            threading.Thread(
                target=_play,
                args=(b, WorkshopOptions(bursts=1, burst_size=400, interval=8), results["team-b"]),
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        dynamodb = cloud.client("dynamodb")
        state_a = dynamodb.scan(TableName=a.output("stateTableName"), Select="COUNT")["Count"]
        state_b = dynamodb.scan(TableName=b.output("stateTableName"), Select="COUNT")["Count"]
        counters_a, counters_b = a.counters(), b.counters()
        # lab 2's game is team-a's alone: its parameters, not team-b's
        special = {
            team: read_parameter(
                dynamodb, deployment.output("parameterTableName"), "SPECIAL_TRADES"
            )
            for team, deployment in (("team-a", a), ("team-b", b))
        }
    for team in results.values():
        assert "error" not in team, team.get("error")
    bursts_a = cast(list[BurstSummary], results["team-a"]["bursts"])
    [burst_b] = cast(list[BurstSummary], results["team-b"]["bursts"])
    assert [(x.sent, x.correct, x.lost, x.duplicated) for x in bursts_a] == [
        (1000, True, 0, 0),
        (1000, True, 0, 0),
    ]
    assert state_a > 0
    assert special == {"team-a": 1, "team-b": 0}
    # The broken stack has no Kinesis trigger: its messages stay in its own stream.
    assert (burst_b.sent, burst_b.correct, burst_b.aggregated, state_b) == (400, False, 0, 0)
    assert all(name.startswith("team-b-") for name in counters_b["functions"])
    assert not any(name.startswith("team-b-") for name in counters_a["functions"])


def test_a_data_dir_of_another_stage_or_participant_is_refused(tmp_path):
    data = CloudOptions(data_dir=tmp_path / "data")
    with LocalCloud(data) as cloud, Deployment(cloud, DeploymentOptions("wired")):
        pass
    with LocalCloud(data) as cloud:
        with pytest.raises(DeploymentError) as other_stage:
            Deployment(cloud, DeploymentOptions("fault-tolerant")).__enter__()
        with pytest.raises(DeploymentError) as other_participant:
            Deployment(cloud, DeploymentOptions("wired", participant="team-b")).__enter__()
        # A class shares one data directory on purpose.
        shared = DeploymentOptions("wired", participant="team-b", shares_data_dir=True)
        with Deployment(cloud, shared) as team_b:
            assert team_b.prefix == "team-b"
    assert str(other_stage.value) == (
        f"{tmp_path / 'data'} holds the wired stage of leda-dev, not the fault-tolerant stage; "
        "run with --stage wired, or choose another --data-dir"
    )
    assert str(other_participant.value) == (
        f"{tmp_path / 'data'} holds the stack of leda-dev, not team-b; run with --participant "
        "leda-dev, or choose another --data-dir"
    )


def _up(*extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            LEDA,
            "local",
            "up",
            "--stage",
            "fault-tolerant",
            "--lab2",
            "--bursts",
            "1",
            "--burst-size",
            "2000",
            "--interval",
            "20",
            "--json",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_dynamodb_local_mid_burst(run: subprocess.Popen[str], checkpoints: Path) -> set[int]:
    """Wait until the burst is flowing, SIGKILL DynamoDB Local; the processes seen before."""
    deadline = time.time() + 120
    while not (checkpoints.exists() and any(checkpoints.iterdir())):
        assert time.time() < deadline and run.poll() is None, "the triggers never started"
        time.sleep(0.2)
    time.sleep(4)  # the generator has sent; StateLambda and the streams are busy
    started = descendants(run.pid)
    java = find_descendant(run.pid, "DynamoDBLocal.jar")
    assert java is not None
    os.kill(java, signal.SIGKILL)
    return started


def test_dynamodb_local_killed_mid_burst_with_a_data_dir_comes_back_and_the_run_ends_exact(
    tmp_path,
):
    data = tmp_path / "data"
    run = _up("--data-dir", str(data))
    started = _kill_dynamodb_local_mid_burst(run, data / "deployments" / "leda-dev" / "checkpoints")
    stdout, stderr = run.communicate(timeout=400)
    assert run.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    assert (
        f"DynamoDB Local exited unexpectedly (killed by SIGKILL); its data is kept in "
        f"{data / 'dynamodb'}; starting it again on http://127.0.0.1:"
    ) in stderr
    [burst] = json.loads(stdout)["bursts"]
    assert (burst["sent"], burst["correct"], burst["lost"], burst["duplicated"]) == (
        2000,
        True,
        0,
        0,
    ), burst
    assert not running(started)


def test_dynamodb_local_killed_mid_burst_without_a_data_dir_stops_in_one_line():
    run = _up()
    # Without a data dir the checkpoints live in a scratch folder: find it from the command.
    deadline = time.time() + 120
    # a function worker, or the zygote that forks them: "leda/workers/" is in both commands
    while find_descendant(run.pid, "leda/workers/") is None:
        assert time.time() < deadline and run.poll() is None, "no function ever started"
        time.sleep(0.2)
    time.sleep(4)
    started = descendants(run.pid)
    java = find_descendant(run.pid, "DynamoDBLocal.jar")
    assert java is not None
    os.kill(java, signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 1
    assert stdout == ""
    assert stderr.strip().splitlines()[-1] == (
        "Error: DynamoDB Local exited unexpectedly (killed by SIGKILL); its data was in memory "
        "and is lost; stopping (run with --data-dir to survive this)"
    )
    assert "Traceback" not in stderr
    assert not running(started)
