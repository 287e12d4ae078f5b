"""What a function worker needs to run one function: code, handler, environment, limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    name: str
    handler: str  # module.function, relative to code_dir
    code_dir: Path
    # Searched before code_dir (a lab workspace's modules over the function's artifact).
    overlay_dirs: tuple[Path, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 3
    memory_mb: int = 128
    reserved_concurrency: int | None = None

    @property
    def code_path(self) -> str:
        """Where the worker imports from, first folder first (os.pathsep-separated)."""
        return os.pathsep.join(str(path) for path in (*self.overlay_dirs, self.code_dir))

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.name}"


@dataclass(frozen=True, slots=True)
class InvocationResult:
    ok: bool
    payload: object = None
    error_type: str = ""
    error_message: str = ""
    duration: float = 0.0
    timed_out: bool = False
    crashed: bool = False
    request_id: str = ""  # the invocation's request ID (context.aws_request_id), when it ran

    @property
    def error(self) -> str:
        return f"{self.error_type}: {self.error_message}" if not self.ok else ""
