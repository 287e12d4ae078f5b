"""What processes a test's subject left behind, read from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path

from leda.bench.cpu import descendants as process_tree


def descendants(pid: int) -> set[int]:
    """Every process started by `pid`, directly or not, that runs now."""
    return set(process_tree(pid)) - {pid}


def running(pids: set[int]) -> set[int]:
    """Those of `pids` that still run (zombies, already dead, do not count)."""
    alive: set[int] = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def find_descendant(pid: int, marker: str) -> int | None:
    """The first process under `pid` whose command line contains `marker`."""
    for child in sorted(descendants(pid)):
        if marker in command_line(child):
            return child
    return None
