"""The emulators of one command, supervised: the bottom layer every offline command stands on.

A `LocalCloud` starts DynamoDB Local, kinesalite and moto's server on loopback (free ports, or
the ones asked for), hands out endpoints and clients, and watches the processes. An emulator that
exits while the cloud is up is reported in one line (which one, how it ended, where its data
is). With a data directory it is started again on the same port and data, and whoever listens
(`on_restart`) puts back what the emulator does not keep; the triggers resume from their
checkpoints by themselves. Without one the data is gone, so the cloud fails: every wait on it
raises `CloudFailure` with that line.

Nothing it started outlives it: leaving the `with` block in any way stops every emulator, SIGTERM
is turned into a `Stopped` exception so that the same path runs, and the emulators are started
with the kernel's parent-death signal, so even SIGKILL of this process takes them down.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Literal

from leda.cloud import dynamodb_local, kinesalite, moto_server
from leda.cloud.credentials import LOCAL_CREDENTIALS, local_client
from leda.cloud.process import EmulatorError, EmulatorProcess, ensure_port_free
from leda.cloud.stream_client import StreamClient

Emulator = Literal["dynamodb", "kinesis", "moto"]
EMULATORS: tuple[Emulator, ...] = ("dynamodb", "kinesis", "moto")
# Which emulator serves each AWS service offline.
SERVICES: dict[str, Emulator] = {
    "dynamodb": "dynamodb",
    "dynamodbstreams": "dynamodb",
    "kinesis": "kinesis",
    "sqs": "moto",
    "ses": "moto",
    "scheduler": "moto",
}
SUPERVISE_SECONDS = 0.5


class CloudFailure(RuntimeError):
    """An emulator went away and could not be brought back; the message is the one line."""


class Stopped(BaseException):
    """SIGTERM (or SIGINT) arrived: leave every `with` block, stopping what was started."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


@dataclass(frozen=True)
class CloudOptions:
    data_dir: Path | None = None  # keep emulator data (and checkpoints) here across runs
    dynamodb_port: int | None = None
    kinesis_port: int | None = None
    moto_port: int | None = None
    keep_running: bool = False  # leave the emulators up when the cloud is left
    # Use emulators another command started (`leda local serve`): name -> endpoint for
    # dynamodb, kinesis and moto. Nothing is started, supervised or stopped.
    attach: Mapping[str, str] | None = None

    def validate(self) -> None:
        """Fail before anything starts: ports in range, a data directory that can be written."""
        for option, port in (
            ("--dynamodb-port", self.dynamodb_port),
            ("--kinesis-port", self.kinesis_port),
            ("--moto-port", self.moto_port),
        ):
            if port is not None and not 1 <= port <= 65535:
                raise EmulatorError(f"{option} {port} is not a port; allowed: 1-65535")
        ports = [p for p in (self.dynamodb_port, self.kinesis_port, self.moto_port) if p]
        if len(ports) != len(set(ports)):
            raise EmulatorError("the emulators' ports must differ from one another")
        # Checked again as each emulator starts; checking all first starts nothing in vain.
        for name, option, port in (
            ("DynamoDB Local", "--dynamodb-port", self.dynamodb_port),
            ("kinesalite", "--kinesis-port", self.kinesis_port),
            ("moto's server", "--moto-port", self.moto_port),
        ):
            if port is not None:
                ensure_port_free(port, name, option)
        if self.data_dir is not None:
            ensure_writable(self.data_dir)


def ensure_writable(directory: Path) -> None:
    """Create `directory` if needed and prove a file can be written there."""
    try:
        if directory.exists() and not directory.is_dir():
            raise OSError(errno.ENOTDIR, "it is a file, not a directory")
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".leda-write-test-"):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise EmulatorError(
            f"cannot use data directory {directory}: {reason}; choose a directory you can "
            "write to with --data-dir"
        ) from None


class LocalCloud:
    """`with LocalCloud(options) as cloud:` — emulators up inside, all stopped after."""

    def __init__(
        self, options: CloudOptions | None = None, progress: Callable[[str], None] = lambda _: None
    ) -> None:
        self.options = options or CloudOptions()
        self.options.validate()
        self._progress = progress
        self._emulators: dict[Emulator, EmulatorProcess] = {}
        self._scratch: Path | None = None
        self._clients: dict[str, Any] = {}
        self._stream_clients: dict[str, StreamClient] = {}
        self._listeners: list[Callable[[Emulator], None]] = []
        self._failure: str | None = None
        self._recovering = threading.Event()
        self._closing = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._lock = threading.Lock()
        self._previous_sigterm: Any = None
        self._previous_sigint: Any = None
        self._log_handler: logging.Handler | None = None
        self.events: list[str] = []  # one line per emulator that went away, and what followed

    # -- the context manager -------------------------------------------------------------------
    def __enter__(self) -> LocalCloud:
        try:
            self._catch_sigterm()
            self._log_to_file()
            self._start()
        except BaseException:
            self.close(failed=True)
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is not None and self._failure is None and not self.persistent:
            lost = self._detect()  # it may have gone a moment ago, before the supervisor looked
            if lost is not None:
                self._lost(*lost)
        failure = self._failure
        # Emulators are left running (keep_running) only after a run that ended well.
        self.close(failed=error is not None or failure is not None)
        # The error an emulator's loss caused (a refused connection deep in a burst) is
        # reported as the line that explains it; a loss after the last call as well.
        replaceable = error is None or (
            isinstance(error, Exception) and not isinstance(error, CloudFailure)
        )
        if failure and replaceable:
            raise CloudFailure(failure) from error

    # -- public ----------------------------------------------------------------------------------
    @property
    def state_dir(self) -> Path:
        """Where this cloud keeps its logs and its deployments' checkpoints."""
        if self.options.data_dir is not None:
            return self.options.data_dir
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="leda-local-"))
        return self._scratch

    @property
    def persistent(self) -> bool:
        return self.options.data_dir is not None

    @property
    def endpoints(self) -> dict[str, str]:
        if self.options.attach is not None:
            return dict(self.options.attach)
        return {name: emulator.endpoint for name, emulator in self._emulators.items()}

    def endpoint_for(self, service: str) -> str:
        return self.endpoints[SERVICES[service]]

    def client(self, service: str) -> Any:
        """A boto3 client for a service, on the emulator serving it (one per service)."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = new_client(service, self.endpoint_for(service))
            return self._clients[service]

    def stream_client(self, service: str) -> StreamClient:
        """The runtime's own reader of Kinesis or DynamoDB Streams shards (pollers, referee):
        the boto3 client's calls, answered in wire form at a fraction of its CPU."""
        with self._lock:
            if service not in self._stream_clients:
                self._stream_clients[service] = StreamClient(service, self.endpoint_for(service))
            return self._stream_clients[service]

    def function_environment(self) -> dict[str, str]:
        """What a function process needs to reach the emulators, with no "local mode" in its
        code: the standard endpoint variables boto3 reads by itself, and shared credentials."""
        return {
            **LOCAL_CREDENTIALS,
            **{
                f"AWS_ENDPOINT_URL_{service.upper()}": self.endpoint_for(service)
                for service in SERVICES
                if service != "dynamodbstreams"
            },
        }

    def pids(self) -> dict[str, int]:
        return {name: emulator.pid for name, emulator in self._emulators.items()}

    def stop_command(self) -> str:
        """The shell command that stops emulators left running (`keep_running`)."""
        return "kill -- " + " ".join(f"-{pid}" for pid in self.pids().values())

    def on_restart(self, listener: Callable[[Emulator], None]) -> None:
        """Call `listener(name)` after an emulator was started again on its data."""
        self._listeners.append(listener)

    def forget(self, listener: Callable[[Emulator], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    @property
    def recovering(self) -> bool:
        """An emulator is being started again: errors talking to it are expected meanwhile."""
        return self._recovering.is_set()

    def check(self) -> None:
        """Raise CloudFailure if an emulator went away for good."""
        if self._failure is not None:
            raise CloudFailure(self._failure)

    def wait(self, seconds: float) -> None:
        """Sleep, but wake up to CloudFailure as soon as an emulator is lost."""
        deadline = time.monotonic() + seconds
        while True:
            self.check()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.1))

    def close(self, failed: bool = False) -> None:
        """Stop supervising and stop every emulator (unless `keep_running` and all went well).

        An emulator being started again is stopped too: its new process is known as soon as it
        is started (EmulatorProcess.relaunch), and the supervisor waits for no readiness after
        that."""
        self._closing.set()
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(0.5)
        if self._log_handler is not None:
            logging.getLogger("leda").removeHandler(self._log_handler)
            self._log_handler.close()
            self._log_handler = None
        if failed or not self.options.keep_running:
            for emulator in self._emulators.values():
                emulator.stop()
            if self._supervisor is not None and self._supervisor is not threading.current_thread():
                self._supervisor.join(5)
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)
        self._restore_sigterm()

    def _log_to_file(self) -> None:
        """The runtime's own warnings (a poller restarting after an emulator went away, with
        its traceback) go to logs/runtime.log, not onto the user's terminal."""
        path = self.state_dir / "logs" / "runtime.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._log_handler = logging.FileHandler(path, encoding="utf-8")
        self._log_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        logging.getLogger("leda").addHandler(self._log_handler)

    # -- starting and supervising ----------------------------------------------------------------
    def _start(self) -> None:
        if self.options.attach is not None:
            missing = set(EMULATORS) - set(self.options.attach)
            if missing:
                raise EmulatorError(f"no endpoint given for {', '.join(sorted(missing))}")
            return
        logs = self.state_dir / "logs"
        data = self.options.data_dir
        attached = not self.options.keep_running
        self._progress("starting DynamoDB Local")
        self._emulators["dynamodb"] = dynamodb_local.start(
            data / "dynamodb" if data else None,
            logs,
            port=self.options.dynamodb_port,
            die_with_parent=attached,
        )
        self._progress("starting kinesalite")
        self._emulators["kinesis"] = kinesalite.start(
            data / "kinesis" if data else None,
            logs,
            port=self.options.kinesis_port,
            die_with_parent=attached,
        )
        self._progress("starting moto's server")
        self._emulators["moto"] = moto_server.start(
            logs, port=self.options.moto_port, die_with_parent=attached
        )
        self._supervisor = threading.Thread(target=self._supervise, name="cloud-supervisor")
        self._supervisor.daemon = True
        self._supervisor.start()

    def _supervise(self) -> None:
        while not self._closing.wait(SUPERVISE_SECONDS):
            self._supervise_once()

    def _supervise_once(self) -> None:
        """Only the supervisor thread starts an emulator again: the kernel's parent-death
        signal follows the thread that started a process, and this thread lives as long as
        the cloud."""
        if self._closing.is_set() or self._failure is not None:
            return
        lost = self._detect()
        if lost is not None:
            self._lost(*lost)

    def _detect(self) -> tuple[Emulator, EmulatorProcess, str] | None:
        for name, emulator in self._emulators.items():
            ended = emulator.exit_description()
            if ended is not None:
                return name, emulator, ended
        return None

    def _lost(self, name: Emulator, emulator: EmulatorProcess, ended: str) -> None:
        where = (
            f"its data is kept in {emulator.data_dir}"
            if emulator.data_dir is not None
            else "its data was in memory and is lost"
            if name != "moto"
            else "its queues, schedules and identities were in memory and are lost"
        )
        line = f"{emulator.name} exited unexpectedly ({ended}); {where}"
        if not self.persistent:
            self.events.append(line)
            self._failure = f"{line}; stopping (run with --data-dir to survive this)"
            return
        self.events.append(f"{line}; starting it again on {emulator.endpoint}")
        self._recovering.set()
        try:
            emulator.relaunch(abandon=self._closing.is_set)
            for listener in list(self._listeners):
                listener(name)
        except EmulatorError as error:
            if not self._closing.is_set():
                self._failure = f"{line}; starting it again failed: {error}"
            return
        except Exception as error:
            self._failure = f"{line}; restored it, but setting it up again failed: {error}"
            return
        finally:
            self._recovering.clear()
        self.events.append(f"{emulator.name} is back on {emulator.endpoint}")

    # -- SIGTERM and SIGINT --------------------------------------------------------------------
    def _catch_sigterm(self) -> None:
        """SIGTERM unwinds like Ctrl-C does, so every `with` block stops what it started.

        Both signals are also recorded (`stop_signal_received`): the exception a signal raises
        can land inside a C extension's callback and come out as that library's own error
        (awscrt's AwsCrtError, seen under a Ctrl-C), or inside code that ends quietly; the
        record lets the command still report the stop as a stop.
        """
        global _stop_signal  # one process, one record of the signal that came
        if threading.current_thread() is not threading.main_thread():
            return
        _stop_signal = None

        def stopped(number: int, _frame: FrameType | None) -> None:
            global _stop_signal
            _stop_signal = signal.Signals(number).name
            if number == signal.SIGINT:
                raise KeyboardInterrupt
            raise Stopped(_stop_signal)

        self._previous_sigterm = signal.signal(signal.SIGTERM, stopped)
        self._previous_sigint = signal.signal(signal.SIGINT, stopped)

    def _restore_sigterm(self) -> None:
        for number, previous in (
            (signal.SIGTERM, self._previous_sigterm),
            (signal.SIGINT, self._previous_sigint),
        ):
            if previous is not None:
                with contextlib.suppress(ValueError):
                    signal.signal(number, previous)
        self._previous_sigterm = self._previous_sigint = None


_stop_signal: str | None = None


def stop_signal_received() -> str | None:
    """The stop signal (SIGINT or SIGTERM) the last cloud in this process received, if any."""
    return _stop_signal


def clear_stop_signal() -> None:
    global _stop_signal
    _stop_signal = None


def new_client(service: str, endpoint: str) -> Any:
    """A client sized for the runtime's threads, retrying as the SDK's standard mode does."""
    return local_client(
        service, endpoint, retries={"mode": "standard", "max_attempts": 4}, max_pool_connections=64
    )
