"""moto's server: SQS (dead-letter queues), SES and EventBridge Scheduler on loopback."""

from __future__ import annotations

import sys
from pathlib import Path

from leda.cloud.process import (
    EmulatorProcess,
    answers_tcp,
    ensure_port_free,
    free_port,
    launch,
)


def start(log_dir: Path, port: int | None = None, die_with_parent: bool = True) -> EmulatorProcess:
    if port is None:
        port = free_port()
    else:
        ensure_port_free(port, "moto's server", "--moto-port")
    endpoint = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return launch(
        "moto server",
        command,
        endpoint,
        ready=lambda: answers_tcp(port),
        log_path=log_dir / "moto-server.log",
        die_with_parent=die_with_parent,
        cwd=log_dir,
    )
