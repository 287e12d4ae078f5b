"""CPU accounting by process group: /proc read right, threads named into groups, and a busy
process's seconds counted even after it exits."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from leda.bench.cpu import (
    RUNTIME_OTHER,
    CpuMeter,
    CpuSnapshot,
    MachineTicks,
    _ticks,
    runtime_group,
)

BUSY = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\n"


def test_stat_fields_are_read_after_a_command_name_with_spaces_and_parentheses(tmp_path: Path):
    stat = tmp_path / "stat"
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    stat.write_text("42 (a (b) c) S 1 42 42 0 -1 4194304 10 0 0 0 250 50 0 0 20 0 1 0\n")
    assert _ticks(stat) == 300
    assert _ticks(tmp_path / "gone") is None


def test_threads_are_grouped_by_their_python_names():
    assert runtime_group("poller StateLambda-mapping shardId-000000000001") == (
        "runtime: stream pollers"
    )
    assert runtime_group("MainThread") == "runtime: play loop and referee"
    assert runtime_group("bench-sampler memory") == "runtime: bench's own sampler"
    assert runtime_group("worker-spawner_0") == RUNTIME_OTHER


def test_a_snapshot_difference_is_per_group():
    later = CpuSnapshot({"a": 3.5, "b": 1.0})
    assert later.minus(CpuSnapshot({"a": 1.0})) == {"a": 2.5, "b": 1.0}


def test_a_busy_process_is_counted_in_its_group_even_after_it_exited():
    child = subprocess.Popen([sys.executable, "-c", BUSY])
    meter = CpuMeter(lambda: {"workers: Busy": [child.pid]})
    before = meter.snapshot()
    while child.poll() is None:
        meter.sample()
        time.sleep(0.05)
    spent = meter.snapshot().minus(before)
    assert spent["workers: Busy"] >= 0.3  # it burnt 0.6 s; the last reading came before its end


def test_a_busy_thread_of_the_runtime_is_counted_under_its_name():
    meter = CpuMeter(dict)
    before = meter.snapshot()

    def spin() -> None:
        end = time.thread_time() + 0.4
        while time.thread_time() < end:
            pass
        meter.sample()  # while this thread is still alive

    thread = threading.Thread(target=spin, name="poller test shard")
    thread.start()
    thread.join()
    spent = meter.snapshot().minus(before)
    assert spent["runtime: stream pollers"] >= 0.3


def test_the_machine_counts_busy_time():
    before = MachineTicks.now()
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    after = MachineTicks.now()
    assert after.busy_seconds_since(before) >= 0.2
    steal = after.steal_percent_since(before)
    assert steal is None or 0 <= steal <= 100


def test_a_process_named_by_two_groups_is_counted_once_in_the_first():
    child = subprocess.Popen([sys.executable, "-c", BUSY])
    meter = CpuMeter(lambda: {"workers: Busy": [child.pid], "workers: zygote": [child.pid]})
    before = meter.snapshot()
    while child.poll() is None:
        meter.sample()
        time.sleep(0.05)
    spent = meter.snapshot().minus(before)
    assert spent["workers: Busy"] >= 0.3
    assert spent.get("workers: zygote", 0.0) == 0.0
