"""Peak memory of the offline runtime: its own process and every function worker it runs.

Summed as PSS (proportional set size: a page shared by n processes counts 1/n in each), which
is what the group really holds; summed RSS counts shared pages (the interpreter, libraries)
once per process and is reported next to it.

Read from /proc (Linux) rather than with psutil: one small file per process is all it takes,
and it keeps the runtime's dependencies to what it already has.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path


def _kilobytes_field(path: str, field: str) -> int:
    """A "Field:  N kB" line of a /proc file, in bytes; 0 if the process is gone."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    return 0


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, 0 if it is gone."""
    return _kilobytes_field(f"/proc/{pid}/status", "VmRSS:")


def pss_bytes(pid: int) -> int:
    """Proportional set size of a process, 0 if it is gone."""
    return _kilobytes_field(f"/proc/{pid}/smaps_rollup", "Pss:")


class PeakMemory:
    """Samples the summed PSS (and RSS) of named groups of processes until stopped.

    Keeps each group's share at the sample where the sum peaked, so a report can say what the
    peak was made of (the runtime, each function's workers) rather than only how high it was.
    """

    def __init__(
        self, groups: Callable[[], Mapping[str, Iterable[int]]], interval: float = 0.25
    ) -> None:
        self._groups = groups
        self._interval = interval
        self._stop = threading.Event()
        self.peak = 0  # PSS
        self.peak_rss = 0
        self.at_peak: dict[str, int] = {}  # PSS by group at the peak
        self.processes_at_peak: dict[str, int] = {}
        self._thread = threading.Thread(target=self._run, name="bench-sampler memory", daemon=True)

    def sample(self) -> None:
        """One reading; the sampler thread calls it every interval."""
        groups = {name: sorted(set(pids)) for name, pids in self._groups().items()}
        by_group = {name: sum(pss_bytes(pid) for pid in pids) for name, pids in groups.items()}
        total = sum(by_group.values())
        if total > self.peak:
            self.peak = total
            self.at_peak = by_group
            self.processes_at_peak = {name: len(pids) for name, pids in groups.items()}
        every = {pid for pids in groups.values() for pid in pids}
        self.peak_rss = max(self.peak_rss, sum(rss_bytes(pid) for pid in every))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def own_pid() -> int:
    return os.getpid()
