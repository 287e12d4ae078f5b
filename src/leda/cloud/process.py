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


def ensure_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise EmulatorError(f"port {port} on 127.0.0.1 is already in use") from None


def tools_dir() -> Path:
    """Where ./scripts/setup installs the npm emulators (override: LEDA_TOOLS_DIR)."""
    return Path(os.environ.get("LEDA_TOOLS_DIR", TOOLS_DIR))


@dataclass
class EmulatorProcess:
    name: str
    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: Path
    extra: dict[str, str] = field(default_factory=dict)

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


def die_with_parent() -> None:
    """In the child before exec: the kernel kills it when the process that started it dies,
    so a runtime killed with SIGKILL leaves no emulator holding its port (Linux only)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


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
) -> EmulatorProcess:
    """Start `command` in its own process group and wait until `ready()` says it serves."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        try:
            process = subprocess.Popen(
                list(command),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent_hook if die_with_parent else None,
            )
        except FileNotFoundError:
            raise EmulatorError(
                f"{name}: {command[0]} is not installed; run ./scripts/setup"
            ) from None
    emulator = EmulatorProcess(name, endpoint, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-800:]
            raise EmulatorError(f"{name} exited with code {process.returncode}: {tail.strip()}")
        if ready():
            return emulator
        time.sleep(0.1)
    emulator.stop()
    raise EmulatorError(f"{name} did not answer on {endpoint} within {timeout:.0f} s")


def answers_tcp(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0
