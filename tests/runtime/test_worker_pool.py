"""Function workers outlive the thread that happened to start them, and a closed pool starts
nothing new."""

from __future__ import annotations

import threading
from pathlib import Path

from leda.cloud.credentials import LOCAL_CREDENTIALS
from leda.workers.pool import FunctionPool
from leda.workers.spec import WorkerSpec

PROBE_DIR = Path(__file__).parent / "probe"


def _pool(tmp_path: Path, **environment: str) -> FunctionPool:
    spec = WorkerSpec(
        name="probe",
        handler="probe.handler",
        code_dir=PROBE_DIR,
        environment={"PROBE_LOG": str(tmp_path / "probe.jsonl"), **environment},
        timeout_seconds=10,
        reserved_concurrency=1,
    )
    return FunctionPool(spec, dict(LOCAL_CREDENTIALS), tmp_path / "logs")


def test_a_warm_worker_survives_the_thread_that_started_it(tmp_path):
    pool = _pool(tmp_path)
    try:
        first = threading.Thread(target=pool.invoke, args=({"Records": []},))
        first.start()
        first.join(30)
        assert not first.is_alive()
        threading.Event().wait(1.0)  # the kernel's parent-death signal would have come by now
        again = pool.invoke({"Records": []})
        assert again.ok, again.error
        assert pool.stats.cold_starts == 1  # the same warm worker served both
        assert pool.stats.crashes == 0
    finally:
        pool.close()


def test_a_closed_pool_refuses_to_start_workers(tmp_path):
    pool = _pool(tmp_path)
    pool.close()
    result = pool.invoke({"Records": []})
    assert (result.ok, result.error_type) == (False, "Runtime.Stopping")
    assert pool.worker_pids() == []


def test_the_functions_errors_are_counted_by_their_type(tmp_path):
    """What `leda lab check` reads to tell a handler that raises from one that is refused."""
    pool = _pool(tmp_path, PROBE_FAIL_TIMES="2")
    try:
        results = [pool.invoke({"Records": []}) for _ in range(3)]
        assert [r.ok for r in results] == [False, False, True]
        assert pool.stats.errors == 2
        assert pool.stats.error_types == {"RuntimeError": 2}
    finally:
        pool.close()
