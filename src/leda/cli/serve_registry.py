"""Where a running `leda local serve` can be found by other commands of this checkout.

`serve` writes its description to `.leda/serve/<participant>.json` (the project's own, ignored
by git) while it runs and removes it when it stops; `leda local invoke` reads it to use the same
emulators. An entry whose process is gone is ignored (and removed).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.project import PROJECT_ROOT

REGISTRY = PROJECT_ROOT / ".leda" / "serve"


@dataclass(frozen=True)
class Serving:
    pid: int
    stage: str
    endpoints: Mapping[str, str]  # dynamodb, kinesis, moto


def _path(prefix: str) -> Path:
    return REGISTRY / f"{prefix}.json"


@contextlib.contextmanager
def registered(description: Mapping[str, Any], emulators: Mapping[str, str]) -> Iterator[None]:
    """Announce a serve while the block runs."""
    path = _path(str(description["participant"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"pid": os.getpid(), "stage": description["stage"], "emulators": dict(emulators)}
    path.write_text(json.dumps(entry), encoding="utf-8")
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
                path.unlink()


def find_serve(prefix: str, stage: str) -> Serving | None:
    """The running serve of this stack and stage, if there is one."""
    path = _path(prefix)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        pid = int(entry["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        with contextlib.suppress(OSError):
            path.unlink()  # left by a serve that was killed
        return None
    except PermissionError:
        pass
    if entry.get("stage") != stage:
        return None
    return Serving(pid, stage, dict(entry["emulators"]))
