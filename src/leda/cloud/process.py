"""Starting an emulator process, waiting until it answers, and stopping it with its children."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stacks.project import TOOLS_DIR


class EmulatorError(RuntimeError):
    """An emulator could not be started; the message says why and what to do."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_port_free(port: int, name: str = "an emulator", option: str | None = None) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            choose = f"choose another with {option}, or" if option else "choose another, or"
            raise EmulatorError(
                f"port {port} on 127.0.0.1 is already in use, so {name} cannot listen on it; "
                f"{choose} leave the port out to take a free one"
            ) from None


def tools_dir() -> Path:
    """Where ./scripts/setup installs the npm emulators (override: LEDA_TOOLS_DIR)."""
    return Path(os.environ.get("LEDA_TOOLS_DIR", TOOLS_DIR))


@dataclass
class EmulatorProcess:
    name: str
    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: Path
    # How it was started, so a supervisor can start it again on the same port and data.
    command: tuple[str, ...] = ()
    ready: Callable[[], bool] = field(default=lambda: True, repr=False)
    die_with_parent: bool = True
    cwd: Path | None = None
    data_dir: Path | None = None  # None: in memory

    @property
    def pid(self) -> int:
        return self.process.pid

    def exit_description(self) -> str | None:
        """How the process ended ("exit code 1", "killed by SIGKILL"), or None if it runs."""
        code = self.process.poll()
        if code is None:
            return None
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def relaunch(self, timeout: float = 60, abandon: Callable[[], bool] = lambda: False) -> None:
        """Start the same command again (same port, same data), and wait until it answers.

        The new process is this emulator's as soon as it exists, so stop() ends it even while
        it is still starting; `abandon()` true stops the wait (and the process)."""

        def adopt(process: subprocess.Popen[bytes]) -> None:
            self.process = process

        launch(
            self.name,
            self.command,
            self.endpoint,
            self.ready,
            self.log_path,
            timeout=timeout,
            die_with_parent=self.die_with_parent,
            cwd=self.cwd,
            data_dir=self.data_dir,
            append_log=True,
            started=adopt,
            abandon=abandon,
        )

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _load_libc() -> ctypes.CDLL | None:
    # Resolved here, in the parent: find_library runs ldconfig, which must not happen in a
    # child between fork and exec of a multithreaded process.
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()


def die_with_parent() -> None:
    """In the child before exec: the kernel kills it when the thread that started it ends,
    so a runtime killed with SIGKILL leaves no emulator holding its port (Linux only).

    The signal follows the starting *thread*: processes meant to live as long as the runtime
    must be started from threads that do (the main thread, the cloud's supervisor, the
    worker pools' spawner)."""
    if _LIBC is None:
        return
    with contextlib.suppress(AttributeError):
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


PR_SET_PDEATHSIG = 1
_die_with_parent_hook = die_with_parent


def launch(
    name: str,
    command: Sequence[str],
    endpoint: str,
    ready: Callable[[], bool],
    log_path: Path,
    timeout: float = 60,
    die_with_parent: bool = True,
    cwd: Path | None = None,
    data_dir: Path | None = None,
    append_log: bool = False,
    started: Callable[[subprocess.Popen[bytes]], None] | None = None,
    abandon: Callable[[], bool] = lambda: False,
) -> EmulatorProcess:
    """Start `command` in its own process group and wait until `ready()` says it serves."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab" if append_log else "wb") as log:
        try:
            process = subprocess.Popen(
                list(command),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent_hook if die_with_parent else None,
                cwd=cwd,
            )
        except FileNotFoundError:
            raise EmulatorError(
                f"{name}: {command[0]} is not installed; run ./scripts/setup"
            ) from None
    emulator = EmulatorProcess(
        name,
        endpoint,
        process,
        log_path,
        command=tuple(command),
        ready=ready,
        die_with_parent=die_with_parent,
        cwd=cwd,
        data_dir=data_dir,
    )
    if started is not None:
        started(process)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or [""]
                raise EmulatorError(
                    f"{name} exited with {emulator.exit_description()} while starting: "
                    f"{tail[0]} (log: {log_path})"
                )
            if abandon():
                raise EmulatorError(f"{name}: starting it was abandoned")
            if ready():
                return emulator
            time.sleep(0.1)
    except BaseException:
        emulator.stop()  # Ctrl-C or SIGTERM while it starts: it is not left behind
        raise
    emulator.stop()
    raise EmulatorError(f"{name} did not answer on {endpoint} within {timeout:.0f} s")


def answers_tcp(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0
