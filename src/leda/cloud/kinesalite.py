"""kinesalite: a Kinesis emulator from npm, run on the machine's Node.js."""

from __future__ import annotations

import shutil
from pathlib import Path

from leda.cloud.process import (
    EmulatorError,
    EmulatorProcess,
    answers_tcp,
    ensure_port_free,
    free_port,
    launch,
    tools_dir,
)

# kinesalite refuses more than 10 shards in all unless told otherwise; a workshop stack has 20.
SHARD_LIMIT = 200


def cli_path() -> Path:
    return tools_dir() / "node_modules" / "kinesalite" / "cli.js"


def start(
    data_dir: Path | None, log_dir: Path, port: int | None = None, die_with_parent: bool = True
) -> EmulatorProcess:
    node = shutil.which("node")
    if node is None:
        raise EmulatorError("kinesalite needs Node.js: node is not on PATH; run ./scripts/setup")
    if not cli_path().is_file():
        raise EmulatorError(f"kinesalite is not installed at {cli_path()}; run ./scripts/setup")
    if port is None:
        port = free_port()
    else:
        ensure_port_free(port, "kinesalite", "--kinesis-port")
    command = [
        node,
        str(cli_path()),
        "--port",
        str(port),
        "--createStreamMs",
        "0",
        "--deleteStreamMs",
        "0",
        "--updateStreamMs",
        "0",
        "--shardLimit",
        str(SHARD_LIMIT),
    ]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        command += ["--path", str(data_dir)]
    return launch(
        "kinesalite",
        command,
        f"http://127.0.0.1:{port}",
        ready=lambda: answers_tcp(port),
        log_path=log_dir / "kinesalite.log",
        die_with_parent=die_with_parent,
        cwd=log_dir,
        data_dir=data_dir,
    )
