"""LocalCloud on its own: emulators up, supervised, and nothing left after any way out."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leda.cloud.local_cloud import CloudFailure, CloudOptions, LocalCloud
from leda.cloud.process import EmulatorError, free_port
from tests.support.processes import descendants, running

pytestmark = [pytest.mark.emulator]


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_serves_every_service_and_stops_everything_it_started():
    with LocalCloud() as cloud:
        pids = set(cloud.pids().values())
        assert len(pids) == 3
        assert cloud.client("dynamodb").list_tables()["TableNames"] == []
        assert cloud.client("kinesis").list_streams()["StreamNames"] == []
        assert "QueueUrls" not in cloud.client("sqs").list_queues()
        environment = cloud.function_environment()
        for service in ("DYNAMODB", "KINESIS", "SQS", "SES", "SCHEDULER"):
            assert environment[f"AWS_ENDPOINT_URL_{service}"].startswith("http://127.0.0.1:")
        scratch = cloud.state_dir
        assert scratch.is_dir()
    assert not running(pids)
    assert not scratch.exists()  # no data directory asked for: nothing kept


def _lose(emulator: str, then_call_it: bool, pids: set[int]) -> None:
    with LocalCloud() as cloud:
        pids.update(cloud.pids().values())
        os.kill(cloud.pids()[emulator], signal.SIGKILL)
        if then_call_it:
            time.sleep(0.3)
            cloud.client(emulator).list_streams()  # refused: the emulator is gone
        cloud.wait(10)  # wakes up to the failure


def test_an_emulator_lost_without_a_data_dir_fails_the_cloud_in_one_line():
    pids: set[int] = set()
    with pytest.raises(CloudFailure) as failure:
        _lose("moto", then_call_it=False, pids=pids)
    assert str(failure.value) == (
        "moto server exited unexpectedly (killed by SIGKILL); its queues, schedules and "
        "identities were in memory and are lost; stopping (run with --data-dir to survive this)"
    )
    assert not running(pids)


def test_an_error_caused_by_a_lost_emulator_is_reported_as_the_loss():
    """The connection error a dead emulator causes is replaced by the line that explains it."""
    with pytest.raises(CloudFailure, match=r"^kinesalite exited unexpectedly"):
        _lose("kinesis", then_call_it=True, pids=set())


def test_with_a_data_dir_a_lost_emulator_comes_back_on_its_port_and_data(tmp_path):
    restarted: list[str] = []
    with LocalCloud(CloudOptions(data_dir=tmp_path / "data")) as cloud:
        cloud.on_restart(restarted.append)
        dynamodb = cloud.client("dynamodb")
        dynamodb.create_table(
            TableName="Kept",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.put_item(TableName="Kept", Item={"id": {"S": "one"}})
        endpoint, old_pid = cloud.endpoint_for("dynamodb"), cloud.pids()["dynamodb"]
        os.kill(old_pid, signal.SIGKILL)
        _wait_until(lambda: restarted == ["dynamodb"], 60, "DynamoDB Local to come back")
        cloud.check()  # not a failure
        assert cloud.endpoint_for("dynamodb") == endpoint
        assert cloud.pids()["dynamodb"] != old_pid
        item = dynamodb.get_item(TableName="Kept", Key={"id": {"S": "one"}}, ConsistentRead=True)
        assert item["Item"] == {"id": {"S": "one"}}
        assert cloud.events[0] == (
            f"DynamoDB Local exited unexpectedly (killed by SIGKILL); its data is kept in "
            f"{tmp_path / 'data' / 'dynamodb'}; starting it again on {endpoint}"
        )
        pids = set(cloud.pids().values())
    assert not running(pids)
    assert (tmp_path / "data" / "dynamodb").is_dir()


def test_a_busy_port_fails_before_anything_starts():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EmulatorError) as error:
            LocalCloud(CloudOptions(kinesis_port=port))
    assert str(error.value) == (
        f"port {port} on 127.0.0.1 is already in use, so kinesalite cannot listen on it; "
        "choose another with --kinesis-port, or leave the port out to take a free one"
    )


def test_a_data_dir_that_cannot_be_written_fails_before_anything_starts(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(EmulatorError) as error:
        LocalCloud(CloudOptions(data_dir=blocker / "data"))
    assert str(error.value).startswith(f"cannot use data directory {blocker / 'data'}: ")
    assert str(error.value).endswith("choose a directory you can write to with --data-dir")


def test_the_same_port_twice_is_refused():
    port = free_port()
    with pytest.raises(EmulatorError, match="ports must differ"):
        LocalCloud(CloudOptions(dynamodb_port=port, moto_port=port))


_HOLDER = """
import sys, time
from leda.cloud.local_cloud import LocalCloud, Stopped
try:
    with LocalCloud() as cloud:
        print(" ".join(str(p) for p in cloud.pids().values()), flush=True)
        time.sleep(120)
except Stopped as stop:
    print("stopped by", stop.signal_name, flush=True)
"""


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_nothing_outlives_its_process_on_sigterm_or_sigkill(how):
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    pids = {int(pid) for pid in holder.stdout.readline().split()}
    assert len(pids) == 3 and pids <= descendants(holder.pid)
    holder.send_signal(how)
    holder.wait(30)
    if how is signal.SIGTERM:
        assert holder.stdout.read().strip() == "stopped by SIGTERM"
    # SIGKILL: the kernel's parent-death signal takes the emulators down with it.
    _wait_until(lambda: not running(pids), 10, "the emulators to end")


def test_state_dir_is_the_data_dir_when_given(tmp_path: Path):
    options = CloudOptions(data_dir=tmp_path / "kept")
    with LocalCloud(options) as cloud:
        assert cloud.state_dir == tmp_path / "kept"
        assert cloud.persistent
    assert (tmp_path / "kept" / "logs" / "dynamodb-local.log").is_file()


def _fail_inside(pids: set[int]) -> None:
    with LocalCloud(CloudOptions(keep_running=True)) as cloud:
        pids.update(cloud.pids().values())
        raise RuntimeError("inside")


def test_keep_running_keeps_nothing_after_an_error():
    """Emulators are left up only after a run that ended well: not after Ctrl-C or an error."""
    pids: set[int] = set()
    with pytest.raises(RuntimeError, match="inside"):
        _fail_inside(pids)
    assert not running(pids)


def test_keep_running_keeps_them_after_a_good_run():
    with LocalCloud(CloudOptions(keep_running=True)) as cloud:
        pids = set(cloud.pids().values())
        stop = cloud.stop_command()
    try:
        assert running(pids) == pids
    finally:
        subprocess.run(stop.split(), check=True)
    _wait_until(lambda: not running(pids), 20, "the kept emulators to stop")


def _lose_quietly(pids: set[int]) -> None:
    with LocalCloud() as cloud:
        pids.update(cloud.pids().values())
        os.kill(cloud.pids()["moto"], signal.SIGKILL)
        time.sleep(1.2)  # the supervisor notices; nothing inside calls the cloud again


def test_a_loss_after_the_last_call_is_still_reported():
    pids: set[int] = set()
    with pytest.raises(CloudFailure, match=r"^moto server exited unexpectedly"):
        _lose_quietly(pids)
    assert not running(pids)
