"""A function's warm processes, capped by its reserved concurrency.

A timeout kills the process (as Lambda ends the sandbox) and counts as an error; a crash
(the process exits) is an error too, and the next invocation starts a fresh process.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from leda.cloud.process import die_with_parent
from leda.workers.forked import ForkFailed, Zygote, ZygoteGone
from leda.workers.spec import InvocationResult, WorkerSpec

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
# Passed through from the runtime's own environment; everything else a function sees is its own.
# LEDA_WORKER_PROFILE (a folder for a cProfile of every invocation) is the worker's, which
# takes it out of the function's environment (worker.py).
PASS_THROUGH = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "TMPDIR", "LEDA_WORKER_PROFILE")


@dataclass
class PoolStats:
    invocations: int = 0
    errors: int = 0
    timeouts: int = 0
    crashes: int = 0
    cold_starts: int = 0
    in_flight: int = 0
    peak_concurrency: int = 0
    busy_seconds: float = 0.0  # summed invocation time: Lambda bills GB-seconds of it
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    usage: list[dict[str, Any]] = field(default_factory=list, repr=False)  # with LEDA_METER
    # The function's own errors by errorType, as Lambda's invocation result names them: a
    # check can tell a handler that raises from one that is slow or refused.
    error_types: dict[str, int] = field(default_factory=dict)


# Every worker process is started from this one thread, which lives as long as the runtime:
# the kernel's parent-death signal follows the thread that started a process, and a worker is
# shared by whichever threads invoke it (a poller of a closed shard, the generator's executor)
# long after the thread that happened to start it may have ended.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker-spawner")


class PoolClosed(RuntimeError):
    """An invocation after the pool was closed (the runtime is stopping)."""


# How workers start: "fork" from the zygote (zygote.py: boto3 imported once, pages shared), or
# "spawn" a fresh `python -I worker.py` each time (LEDA_WORKER_START=spawn, to compare).
WORKER_START = os.environ.get("LEDA_WORKER_START", "fork")
_zygote: Zygote | None = None


def _zygote_only() -> dict[str, str]:
    """The zygote's own variables, which no function sees (a child replaces its environment).

    BOTO_DISABLE_CRT is read by botocore when the zygote imports it, so every forked worker
    signs requests in pure Python as on Lambda, whose runtime has no awscrt (installed here for
    the SAM CLI; its signer costs about 15 % more CPU per call). LEDA_RUNTIME_PID names the
    runtime in /proc/PID/environ of the zygote and of every worker it forks (that file keeps
    the environment a process started with), so a stray worker can be told by its runtime.
    """
    return {"BOTO_DISABLE_CRT": "true", "LEDA_RUNTIME_PID": str(os.getpid())}


def zygote_pid() -> int | None:
    """The zygote's process, while there is one (its memory and CPU are the workers')."""
    zygote = _zygote
    return zygote.pid if zygote is not None and zygote.alive else None


def _spawn(spec: WorkerSpec, environment: dict[str, str], log: TextIO) -> Any:
    return subprocess.Popen(
        [sys.executable, "-I", str(WORKER_SCRIPT), spec.code_path, spec.handler],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        env=environment,
        text=True,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )


def _start(spec: WorkerSpec, environment: dict[str, str], log: TextIO) -> Any:
    """Runs on the spawner thread, so the zygote dies with the runtime as a worker would.

    Forked when it can be; spawned when the function ships its own copy of a preloaded module,
    when one fork fails, or when no zygote will start."""
    global _zygote
    if WORKER_START != "fork":
        return _spawn(spec, environment, log)
    for _attempt in range(2):
        if _zygote is None or not _zygote.alive:
            if _zygote is not None:
                _zygote.close()
            passed = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
            try:
                _zygote = Zygote(die_with_parent, {**passed, **_zygote_only()})
            except ZygoteGone:
                _zygote = None
                break
        if _zygote.shadows(spec.code_path):
            break
        try:
            return _zygote.spawn([spec.code_path, spec.handler], environment, log)
        except ForkFailed:
            break
        except ZygoteGone:
            if _zygote.alive:
                break  # slow to answer this once: it keeps serving the others
    return _spawn(spec, environment, log)


class _Worker:
    def __init__(self, spec: WorkerSpec, environment: dict[str, str], log: TextIO) -> None:
        self.process = _SPAWNER.submit(_start, spec, environment, log).result()
        self._expired = False
        self.environment = environment  # the values it started with

    def call(self, request_line: str, timeout: float) -> dict[str, Any] | None:
        """The response to one request (a JSON line), or None on timeout; raises EOFError when
        the process died.

        The timeout covers writing the request too: a worker stuck in its init would otherwise
        block a large event's write on the full pipe, with no clock running.
        """
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        timer = threading.Timer(timeout, self._expire)
        timer.start()
        try:
            self.process.stdin.write(request_line + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except (BrokenPipeError, OSError, ValueError):
            line = ""
        finally:
            timer.cancel()
        if self._expired:
            return None
        if not line:
            raise EOFError(f"the function's process exited with code {self.process.wait()}")
        response: dict[str, Any] = json.loads(line)
        return response

    def _expire(self) -> None:
        self._expired = True
        self.kill()

    def kill(self) -> None:
        if self.process.poll() is not None:
            return  # already gone: its pid may belong to another process by now
        try:
            os.killpg(self.process.pid, 9)
        except ProcessLookupError:  # forked, but not yet the leader of its own session
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, 9)
        with contextlib.suppress(Exception):
            self.process.wait(5)


class FunctionPool:
    def __init__(
        self,
        spec: WorkerSpec,
        base_environment: dict[str, str],
        log_dir: Path,
        default_concurrency: int = 8,
    ) -> None:
        self.spec = spec
        self.stats = PoolStats()
        limit = spec.reserved_concurrency or default_concurrency
        self._slots = threading.BoundedSemaphore(limit)
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        log_dir.mkdir(parents=True, exist_ok=True)
        self._log = (log_dir / f"{spec.name}.log").open("a", encoding="utf-8")
        self._environment = self._function_environment(base_environment)

    def _function_environment(self, base: dict[str, str]) -> dict[str, str]:
        passed = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
        return {
            **passed,
            **base,
            **self.spec.environment,
            "AWS_LAMBDA_FUNCTION_NAME": self.spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(self.spec.timeout_seconds)),
            "_HANDLER": self.spec.handler,
            "LAMBDA_TASK_ROOT": str(self.spec.code_dir),
            "PYTHONUNBUFFERED": "1",
        }

    def update_environment(self, variables: dict[str, str] | Any) -> None:
        """New values for the function's own variables; warm workers keep the old ones, so
        they are retired (as Lambda does after UpdateFunctionConfiguration)."""
        with self._lock:
            self._environment = {**self._environment, **variables}
            idle, self._idle = self._idle, []
        for worker in idle:
            self._discard(worker)

    def invoke(
        self, event: dict[str, Any], faults: Mapping[str, Any] | None = None
    ) -> InvocationResult:
        """One invocation; `faults` are the runtime's flags for it (leda.faults.replay)."""
        with self._slots:
            with self.stats.lock:
                self.stats.in_flight += 1
                self.stats.invocations += 1
                self.stats.peak_concurrency = max(self.stats.peak_concurrency, self.stats.in_flight)
            try:
                return self._invoke_in_slot(event, faults)
            except PoolClosed as closed:
                return InvocationResult(False, None, "Runtime.Stopping", str(closed))
            finally:
                with self.stats.lock:
                    self.stats.in_flight -= 1

    def _invoke_in_slot(
        self, event: dict[str, Any], faults: Mapping[str, Any] | None
    ) -> InvocationResult:
        request_id = str(uuid.uuid4())
        started = time.time()
        request: dict[str, Any] = {
            "event": event,
            "requestId": request_id,
            "functionArn": self.spec.arn,
            "deadline": started + self.spec.timeout_seconds,
        }
        if faults:
            request["faults"] = dict(faults)
        # Strict JSON, as Lambda's Invoke takes only JSON: a value that is not (bytes, a
        # datetime) is refused here, never written as its Python text ("b'foobar'"). Events are
        # built in wire form (leda.triggers.events); binary is base64 text there.
        line = json.dumps(request, allow_nan=False)
        worker = self._take_worker()
        try:
            response = worker.call(line, self.spec.timeout_seconds)
        except EOFError as died:
            self._discard(worker)
            self._count("crashes")
            return InvocationResult(
                False,
                None,
                "Runtime.ExitError",
                str(died),
                time.time() - started,
                crashed=True,
                request_id=request_id,
            )
        duration = time.time() - started
        with self.stats.lock:
            self.stats.busy_seconds += duration
            if response is not None and "usage" in response:
                self.stats.usage.append(response["usage"])
        if response is None:
            self._discard(worker)
            self._count("timeouts")
            return InvocationResult(
                False,
                None,
                "Sandbox.Timedout",
                f"Task timed out after {self.spec.timeout_seconds:.2f} seconds",
                duration,
                timed_out=True,
                request_id=request_id,
            )
        with self._lock:
            self._idle.append(worker)
        if not response.get("ok"):
            error_type = str(response.get("errorType", "Error"))
            self._count("errors", error_type)
            return InvocationResult(
                False,
                None,
                error_type,
                str(response.get("errorMessage", "")),
                duration,
                request_id=request_id,
            )
        return InvocationResult(
            True, response.get("payload"), duration=duration, request_id=request_id
        )

    def _take_worker(self) -> _Worker:
        stale: list[_Worker] = []
        worker: _Worker | None
        with self._lock:
            if self._closed:
                raise PoolClosed(f"{self.spec.name}: the runtime is stopping")
            while self._idle:
                worker = self._idle.pop()
                if worker.environment is not self._environment:
                    stale.append(worker)  # started before update_environment
                elif worker.process.poll() is None:
                    break
                else:
                    self._all.remove(worker)  # it died idle: nothing left to stop
            else:
                worker = None
        for old in stale:
            self._discard(old)
        if worker is not None:
            return worker
        with self._lock:
            if self._closed:
                raise PoolClosed(f"{self.spec.name}: the runtime is stopping")
            worker = _Worker(self.spec, self._environment, self._log)
            self._all.append(worker)
        self._count("cold_starts")
        return worker

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [worker.process.pid for worker in self._all]

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def _count(self, name: str, error_type: str | None = None) -> None:
        with self.stats.lock:
            setattr(self.stats, name, getattr(self.stats, name) + 1)
            if error_type is not None:
                types = self.stats.error_types
                types[error_type] = types.get(error_type, 0) + 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all, self._idle = list(self._all), [], []
        for worker in workers:
            worker.kill()
        self._log.close()
