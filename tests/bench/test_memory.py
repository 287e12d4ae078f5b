"""Peak memory by group: the peak is the highest summed PSS, and what it was made of is kept
from that same sample, not from later, smaller ones."""

from __future__ import annotations

import os
import subprocess
import sys

from leda.bench.memory import PeakMemory, pss_bytes

# Holds 64 MB of written (so resident, unshared) pages until its stdin closes.
HOLDER = "import sys\nblock = bytearray(64 << 20)\nblock[::4096] = b'x' * (len(block) // 4096)\n"
HOLDER += "print('ready', flush=True)\nsys.stdin.read()\n"


def test_the_peak_keeps_each_groups_share_from_the_same_sample():
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        groups = {"holder": [holder.pid], "self": [os.getpid(), os.getpid()]}
        memory = PeakMemory(lambda: groups)
        memory.sample()
        peak = memory.peak
        assert memory.at_peak["holder"] >= 60 << 20
        assert memory.peak == sum(memory.at_peak.values())
        # A pid named twice counts once.
        assert memory.processes_at_peak == {"holder": 1, "self": 1}
        assert memory.at_peak["self"] < 2 * pss_bytes(os.getpid()) + (8 << 20)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
    groups = {"self": [os.getpid()], "holder": [holder.pid]}  # gone: counts 0
    memory.sample()
    assert memory.peak == peak
    assert memory.at_peak["holder"] >= 60 << 20
    assert memory.peak_rss >= 60 << 20
