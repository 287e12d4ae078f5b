"""The runtime's side of the zygote (zygote.py): ask it for a worker, get a process handle.

A forked worker is the zygote's child, not the runtime's, so it is not a subprocess.Popen:
ForkedProcess offers the part of Popen the pool uses (pid, stdin, stdout, poll, wait), with the
exit code reported by the zygote.

Written by hand because no library forks from a preloaded parent while passing each child its
own descriptors and environment: multiprocessing's forkserver runs a Python callable in the
child and keeps its own pipes, not a worker speaking JSON lines on stdin/stdout.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

ZYGOTE_SCRIPT = Path(__file__).with_name("zygote.py")
MAX_REPLY = 1 << 20
START_SECONDS = 120  # preloading on a busy machine
FORK_SECONDS = 30


class ZygoteGone(RuntimeError):
    """The zygote exited or does not answer; a new one is started for the next worker."""


class ForkFailed(RuntimeError):
    """The zygote could not fork this worker (it goes on serving others)."""


class ForkedProcess:
    def __init__(self, pid: int, stdin: TextIO, stdout: TextIO) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.returncode: int | None = None
        self._exited = threading.Event()

    def exited(self, code: int) -> None:
        self.returncode = code
        self._exited.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._exited.wait(timeout):
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0)
        assert self.returncode is not None
        return self.returncode


class Zygote:
    """One zygote process and the thread reading its replies."""

    def __init__(self, preexec_fn: Callable[[], None] | None, environment: dict[str, str]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._channel = ours
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(ZYGOTE_SCRIPT), str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # the runtime's stdout may be JSON (--json): never ours
            env=environment,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
        theirs.close()
        self.preloaded = self._hello()
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[threading.Event, list[dict[str, Any]]]] = {}
        self._children: dict[int, ForkedProcess] = {}
        self._early: dict[int, int] = {}  # exit codes that came before their pid was claimed
        self._shadowing: dict[str, bool] = {}
        self.alive = True
        threading.Thread(target=self._read, name="zygote-replies", daemon=True).start()

    def _hello(self) -> frozenset[str]:
        """The names the zygote preloaded, once it is ready to fork."""
        self._channel.settimeout(START_SECONDS)
        try:
            message = self._channel.recv(MAX_REPLY)
        except OSError as error:
            self.close()
            raise ZygoteGone(f"the zygote did not start: {error}") from error
        finally:
            with contextlib.suppress(OSError):
                self._channel.settimeout(None)
        if not message:
            self.close()
            raise ZygoteGone(f"the zygote exited with code {self._process.wait()}")
        return frozenset(json.loads(message)["preloaded"])

    @property
    def pid(self) -> int:
        return self._process.pid

    def shadows(self, code_path: str) -> bool:
        """Whether a function's folders hold their own copy of a module the zygote preloaded
        (a package, a .py or an extension): then it must start fresh, or run the zygote's."""
        if code_path not in self._shadowing:
            self._shadowing[code_path] = any(
                _ships(Path(folder), self.preloaded) for folder in code_path.split(os.pathsep)
            )
        return self._shadowing[code_path]

    def _read(self) -> None:
        while True:
            try:
                message = self._channel.recv(MAX_REPLY)
            except OSError:
                message = b""
            if not message:
                break
            reply = json.loads(message)
            with self._lock:
                if "exited" in reply:
                    child = self._children.pop(reply["exited"], None)
                    if child is None:
                        self._early[reply["exited"]] = reply["code"]
                    else:
                        child.exited(reply["code"])
                elif reply.get("id") in self._waiting:
                    event, slot = self._waiting.pop(reply["id"])
                    slot.append(reply)
                    event.set()
        with self._lock:
            self.alive = False
            children, self._children = list(self._children.values()), {}
            waiting, self._waiting = list(self._waiting.values()), {}
        for child in children:
            child.exited(-9)  # the zygote's death took them (parent-death signal)
        for event, _slot in waiting:
            event.set()

    def spawn(self, argv: Sequence[str], environment: dict[str, str], stderr: TextIO) -> Any:
        """A worker forked from the zygote, with its own pipes and environment."""
        request_id = next(self._ids)
        event, slot = threading.Event(), list[dict[str, Any]]()
        with self._lock:
            if not self.alive:
                raise ZygoteGone("the zygote exited")
            self._waiting[request_id] = (event, slot)
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        message = json.dumps({"id": request_id, "argv": list(argv), "env": environment})
        answered = False
        try:
            socket.send_fds(
                self._channel, [message.encode()], [stdin_read, stdout_write, stderr.fileno()]
            )
            answered = event.wait(FORK_SECONDS)
        except OSError as error:
            raise ZygoteGone(f"the zygote does not answer: {error}") from error
        finally:
            os.close(stdin_read)
            os.close(stdout_write)
            with self._lock:
                self._waiting.pop(request_id, None)
            if not (answered and slot and "pid" in slot[0]):
                os.close(stdin_write)
                os.close(stdout_read)
        if not answered or not slot:
            raise ZygoteGone("the zygote did not fork a worker")
        if "pid" not in slot[0]:
            raise ForkFailed(str(slot[0].get("error")))
        stdin = io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(stdin_write, "w")), encoding="utf-8", write_through=True
        )
        stdout = io.TextIOWrapper(io.BufferedReader(io.FileIO(stdout_read, "r")), encoding="utf-8")
        child = ForkedProcess(slot[0]["pid"], stdin, stdout)
        with self._lock:
            code = self._early.pop(child.pid, None)
            if code is None and not self.alive:
                code = -9  # the zygote died after forking it: so did it
            if code is None:
                self._children[child.pid] = child
        if code is not None:
            child.exited(code)
        return child

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._channel.close()
        with contextlib.suppress(ProcessLookupError):
            self._process.kill()
        with contextlib.suppress(Exception):
            self._process.wait(5)


def _ships(folder: Path, preloaded: frozenset[str]) -> bool:
    try:
        entries = [entry.name for entry in folder.iterdir()]
    except OSError:
        return False
    for entry in entries:
        name, _, suffix = entry.partition(".")
        if name in preloaded and (not suffix or suffix.endswith(("py", "so", "pyc"))):
            return True
    return False
