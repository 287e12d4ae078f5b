"""Workers forked from the zygote are sandboxes of their own, as spawned ones are: their own
environment, their own init, their crashes and timeouts reported as Lambda reports them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leda.cloud.credentials import LOCAL_CREDENTIALS
from leda.workers import pool as pool_module
from leda.workers.pool import FunctionPool
from leda.workers.spec import WorkerSpec

HANDLER = """
import os, random, sys, uuid

PRELOADED = "boto3" in sys.modules  # before this module imports anything
INIT = uuid.uuid4().hex  # module-level init: once per sandbox
DRAW = random.random()  # the random module is reseeded in every fork
import boto3
VENDORED = getattr(boto3, "VENDORED", False)


def sdk_facts():
    keys = {"aws_access_key_id": "a", "aws_secret_access_key": "b", "region_name": "eu-west-1"}
    dynamodb = boto3.client("dynamodb", **keys)
    return {
        "model": dynamodb.meta.service_model.operation_model("UpdateItem").name,
        "region": boto3.client("kinesis", **keys).meta.endpoint_url,
    }


def handler(event, context):
    action = event.get("do")
    if action == "exit":
        os._exit(int(event["code"]))
    if action == "sys-exit":
        sys.exit(event["code"])
    if action == "sleep":
        import time
        time.sleep(60)
    return {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "init": INIT,
        "draw": DRAW,
        "mine": os.environ.get("MINE"),
        "leaked": os.environ.get("RUNTIME_ONLY"),
        "boto3": PRELOADED,
        "sid": os.getsid(0) == os.getpid(),
        "crt": __import__("botocore.compat").compat.HAS_CRT,
        "crt_variable": "BOTO_DISABLE_CRT" in os.environ,
        **({} if VENDORED else sdk_facts()),
    }
"""


@pytest.fixture
def code(tmp_path: Path) -> Path:
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "fn.py").write_text(HANDLER)
    return folder


def _pool(tmp_path: Path, code: Path, concurrency: int = 2, timeout: float = 10) -> FunctionPool:
    spec = WorkerSpec(
        name="forked",
        handler="fn.handler",
        code_dir=code,
        environment={"MINE": "mine"},
        timeout_seconds=timeout,
        reserved_concurrency=concurrency,
    )
    return FunctionPool(spec, dict(LOCAL_CREDENTIALS), tmp_path / "logs")


def _payload(pool: FunctionPool, event: dict[str, object]) -> dict[str, object]:
    result = pool.invoke(event)
    assert result.ok, result.error
    assert isinstance(result.payload, dict)
    return result.payload


@pytest.fixture(autouse=True)
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_module, "WORKER_START", "fork")
    monkeypatch.setenv("RUNTIME_ONLY", "the runtime's own")


def test_a_forked_worker_has_its_own_environment_session_and_init(tmp_path, code):
    pool = _pool(tmp_path, code)
    try:
        first = _payload(pool, {})
        assert first["ppid"] != os.getpid()  # the zygote's child, not the runtime's
        assert first["mine"] == "mine" and first["leaked"] is None
        assert first["sid"] is True
        # signs in pure Python, as on Lambda (no awscrt there), with no trace in its environment
        assert (first["crt"], first["crt_variable"]) == (False, False)
        # the SDK's models parsed in the zygote serve the worker's own clients
        assert first["model"] == "UpdateItem"
        assert first["region"] == "https://kinesis.eu-west-1.amazonaws.com"
        # a second sandbox, forked while the first is busy elsewhere, inits on its own
        pool.update_environment({"MINE": "changed"})
        second = _payload(pool, {})
        assert second["pid"] != first["pid"]
        assert second["init"] != first["init"]
        assert second["draw"] != first["draw"]
        assert second["mine"] == "changed"
    finally:
        pool.close()


def test_a_crash_reports_the_exit_code_and_the_next_call_gets_a_fresh_worker(tmp_path, code):
    pool = _pool(tmp_path, code)
    try:
        before = _payload(pool, {})
        crashed = pool.invoke({"do": "exit", "code": 3})
        assert (crashed.ok, crashed.error_type, crashed.crashed) == (
            False,
            "Runtime.ExitError",
            True,
        )
        assert "exited with code 3" in crashed.error_message
        after = _payload(pool, {})
        assert after["pid"] != before["pid"]
    finally:
        pool.close()


def test_a_timeout_kills_the_forked_worker(tmp_path, code):
    pool = _pool(tmp_path, code, timeout=1)
    try:
        pid = _payload(pool, {})["pid"]
        result = pool.invoke({"do": "sleep"})
        assert (result.ok, result.error_type) == (False, "Sandbox.Timedout")
        assert isinstance(pid, int)
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
        assert pool.stats.timeouts == 1
    finally:
        pool.close()


def test_code_shipping_its_own_sdk_is_spawned_fresh(tmp_path, code):
    (code / "boto3").mkdir()
    (code / "boto3" / "__init__.py").write_text("VENDORED = True\n")
    pool = _pool(tmp_path, code)
    try:
        payload = _payload(pool, {})
        assert payload["ppid"] == os.getpid()  # spawned by the runtime itself
        assert payload["boto3"] is False  # nothing imported it before the function
    finally:
        pool.close()


def test_spawn_mode_still_works(tmp_path, code, monkeypatch):
    monkeypatch.setattr(pool_module, "WORKER_START", "spawn")
    pool = _pool(tmp_path, code)
    try:
        payload = _payload(pool, {})
        assert payload["ppid"] == os.getpid()
        assert payload["mine"] == "mine" and payload["leaked"] is None
    finally:
        pool.close()


def test_a_module_file_of_the_same_name_as_a_preloaded_one_is_spawned_fresh(tmp_path, code):
    (code / "jmespath.py").write_text("OWN = True\n")  # botocore's dependency, preloaded
    pool = _pool(tmp_path, code)
    try:
        assert _payload(pool, {})["ppid"] == os.getpid()
    finally:
        pool.close()


@pytest.mark.parametrize(("code_value", "exit_code", "said"), [(None, 0, ""), ("boom", 1, "boom")])
def test_sys_exit_ends_a_forked_worker_as_it_ends_a_script(
    tmp_path, code, code_value, exit_code, said
):
    pool = _pool(tmp_path, code)
    try:
        result = pool.invoke({"do": "sys-exit", "code": code_value})
        assert result.error_type == "Runtime.ExitError"
        assert f"exited with code {exit_code}" in result.error_message
        log = (tmp_path / "logs" / "forked.log").read_text()
        assert said in log
    finally:
        pool.close()
