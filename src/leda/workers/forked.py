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
# Packages the zygote has imported: a function that ships its own copy must be started fresh,
# or it would run the zygote's instead.
SHARED_PACKAGES = ("boto3", "botocore", "urllib3", "jmespath", "dateutil", "s3transfer", "leda")


class ZygoteGone(RuntimeError):
    """The zygote exited; a new one is started for the next worker."""


def ships_shared_package(code_path: str) -> bool:
    """Whether any folder of a function's code holds its own copy of a preloaded package."""
    return any(
        (Path(folder) / package).exists()
        for folder in code_path.split(os.pathsep)
        for package in SHARED_PACKAGES
    )


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
            env=environment,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
        theirs.close()
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[threading.Event, list[int]]] = {}
        self._children: dict[int, ForkedProcess] = {}
        self._early: dict[int, int] = {}  # exit codes that came before their pid was claimed
        self.alive = True
        threading.Thread(target=self._read, name="zygote-replies", daemon=True).start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def _read(self) -> None:
        while True:
            try:
                message = self._channel.recv(65536)
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
                elif reply["id"] in self._waiting:
                    event, slot = self._waiting.pop(reply["id"])
                    slot.append(reply["pid"])
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
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        request_id = next(self._ids)
        event, slot = threading.Event(), list[int]()
        with self._lock:
            if not self.alive:
                raise ZygoteGone("the zygote exited")
            self._waiting[request_id] = (event, slot)
        message = json.dumps({"id": request_id, "argv": list(argv), "env": environment})
        try:
            socket.send_fds(
                self._channel,
                [message.encode()],
                [stdin_read, stdout_write, stderr.fileno()],
            )
        except OSError as error:
            raise ZygoteGone(f"the zygote does not answer: {error}") from error
        finally:
            os.close(stdin_read)
            os.close(stdout_write)
        if not event.wait(30) or not slot:
            os.close(stdin_write)
            os.close(stdout_read)
            raise ZygoteGone("the zygote did not fork a worker")
        stdin = io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(stdin_write, "w")), encoding="utf-8", write_through=True
        )
        stdout = io.TextIOWrapper(io.BufferedReader(io.FileIO(stdout_read, "r")), encoding="utf-8")
        child = ForkedProcess(slot[0], stdin, stdout)
        with self._lock:
            code = self._early.pop(child.pid, None)
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
