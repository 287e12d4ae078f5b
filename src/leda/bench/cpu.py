"""CPU seconds by process group: which part of the offline cloud a burst's time goes to.

Read from /proc (Linux), as memory.py does: each process's utime + stime, and for the runtime
itself each thread's, grouped by the Python name of the thread (pollers, the referee's play
loop). A process that exits between samples keeps the last figure read for it, so a worker
discarded mid-burst still counts.

Groups are what a reader would blame: each emulator (with any child processes), the runtime's
pollers, its play loop (the referee), the rest of the runtime, and each function's workers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# How the runtime names its threads (leda.triggers.mapping, leda.workshop.run, leda.bench).
POLLER_PREFIX = "poller "
RUNTIME_GROUPS = (
    (POLLER_PREFIX, "runtime: stream pollers"),
    ("MainThread", "runtime: play loop and referee"),
    ("generator", "runtime: generator's invoke"),
    ("bench-sampler", "runtime: bench's own sampler"),
)
RUNTIME_OTHER = "runtime: other threads"


def _ticks(stat_path: Path) -> int | None:
    """utime + stime of a /proc .../stat file, None when the process or thread is gone."""
    try:
        text = stat_path.read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def process_ticks(pid: int) -> int | None:
    return _ticks(Path(f"/proc/{pid}/stat"))


def descendants(pid: int) -> list[int]:
    """The process and every process below it (an emulator's launcher and its server)."""
    found = [pid]
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                found.extend(int(child) for child in (task / "children").read_text().split())
            except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
                continue
    return found


def runtime_group(thread_name: str) -> str:
    for prefix, group in RUNTIME_GROUPS:
        if thread_name.startswith(prefix):
            return group
    return RUNTIME_OTHER


def own_thread_ticks() -> dict[int, tuple[str, int]]:
    """native thread id -> (the group of its Python name, ticks), for this process's threads."""
    names = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
    found: dict[int, tuple[str, int]] = {}
    for task in Path("/proc/self/task").glob("*"):
        ticks = _ticks(task / "stat")
        if ticks is None:
            continue
        tid = int(task.name)
        found[tid] = (runtime_group(names.get(tid, "")), ticks)
    return found


@dataclass
class CpuSnapshot:
    """Cumulative CPU seconds per group at one moment."""

    seconds: dict[str, float] = field(default_factory=dict)

    def minus(self, earlier: CpuSnapshot) -> dict[str, float]:
        return {
            group: round(value - earlier.seconds.get(group, 0.0), 3)
            for group, value in self.seconds.items()
        }


class CpuMeter:
    """Keeps the last ticks read for every process and thread ever seen in each group.

    `processes` names the groups outside the runtime: group -> the pids in it now (an
    emulator's tree from `descendants`, a function's workers as its pool lists them). A pid is
    counted in the first group that names it.
    """

    def __init__(self, processes: Callable[[], Mapping[str, list[int]]]) -> None:
        self._processes = processes
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str, int], int] = {}  # (kind, group, id) -> ticks

    def sample(self) -> None:
        readings: dict[tuple[str, str, int], int] = {}
        seen: set[int] = set()
        for group, pids in self._processes().items():
            for pid in pids:
                if pid in seen:
                    continue
                seen.add(pid)
                ticks = process_ticks(pid)
                if ticks is not None:
                    readings[("process", group, pid)] = ticks
        for tid, (group, ticks) in own_thread_ticks().items():
            readings[("thread", group, tid)] = ticks
        with self._lock:
            self._last.update(readings)

    def run_every(self, seconds: float, stop: threading.Event) -> threading.Thread:
        """Sample in the background until `stop` is set (so short-lived workers are seen)."""

        def loop() -> None:
            while not stop.wait(seconds):
                self.sample()

        thread = threading.Thread(target=loop, name="bench-sampler cpu", daemon=True)
        thread.start()
        return thread

    def snapshot(self) -> CpuSnapshot:
        self.sample()
        totals: dict[str, float] = {}
        with self._lock:
            for (_kind, group, _id), ticks in self._last.items():
                totals[group] = totals.get(group, 0.0) + ticks / CLOCK_TICKS
        return CpuSnapshot(totals)


@dataclass(frozen=True)
class MachineTicks:
    """The whole machine's CPU time from /proc/stat: all of it, the part spent running
    processes (user, nice, system, interrupts), and what the hypervisor took (steal)."""

    total: int
    busy: int
    steal: int

    @classmethod
    def now(cls) -> MachineTicks:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
        return cls(sum(int(v) for v in fields[:8]), user + nice + system + irq + softirq, steal)

    def steal_percent_since(self, earlier: MachineTicks) -> float | None:
        total = self.total - earlier.total
        return round(100 * (self.steal - earlier.steal) / total, 1) if total else None

    def busy_seconds_since(self, earlier: MachineTicks) -> float:
        return (self.busy - earlier.busy) / CLOCK_TICKS
