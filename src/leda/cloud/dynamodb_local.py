"""DynamoDB Local, the emulator AWS publishes, from the jar inside an npm package."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import boto3
from botocore.config import Config

from leda.cloud.credentials import LOCAL_CREDENTIALS, LOCAL_REGION
from leda.cloud.process import (
    EmulatorError,
    EmulatorProcess,
    answers_tcp,
    ensure_port_free,
    free_port,
    launch,
    tools_dir,
)

NPM_PACKAGE = "amplify-dynamodb-simulator"
# The JVM's options for DynamoDB Local; LEDA_DYNAMODB_JVM_OPTIONS (space-separated) replaces
# them, to measure another choice with `leda bench`.
JVM_OPTIONS: tuple[str, ...] = ()


def chosen_jvm_options() -> tuple[str, ...]:
    chosen = os.environ.get("LEDA_DYNAMODB_JVM_OPTIONS")
    return JVM_OPTIONS if chosen is None else tuple(chosen.split())


def emulator_dir() -> Path:
    return tools_dir() / "node_modules" / NPM_PACKAGE / "emulator"


def _answers(endpoint: str, port: int) -> bool:
    if not answers_tcp(port):
        return False
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2),
    )
    try:
        client.list_tables(Limit=1)
    except Exception:
        return False
    return True


def start(
    data_dir: Path | None,
    log_dir: Path,
    port: int | None = None,
    java: str | None = None,
    die_with_parent: bool = True,
    jvm_options: Sequence[str] | None = None,
) -> EmulatorProcess:
    """Start DynamoDB Local on loopback; data in memory, or kept in `data_dir` across restarts."""
    java = java or shutil.which("java")
    if java is None:
        raise EmulatorError("DynamoDB Local needs Java: java is not on PATH; run ./scripts/setup")
    jar_dir = emulator_dir()
    if not (jar_dir / "DynamoDBLocal.jar").is_file():
        raise EmulatorError(f"DynamoDB Local is not installed in {jar_dir}; run ./scripts/setup")
    if port is None:
        port = free_port()
    else:
        ensure_port_free(port, "DynamoDB Local", "--dynamodb-port")
    storage = ["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    endpoint = f"http://127.0.0.1:{port}"
    command = [
        java,
        *(chosen_jvm_options() if jvm_options is None else jvm_options),
        f"-Djava.library.path={jar_dir / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar_dir / "DynamoDBLocal.jar"),
        *storage,
        "-sharedDb",
        "-disableTelemetry",
        "-port",
        str(port),
    ]
    return launch(
        "DynamoDB Local",
        command,
        endpoint,
        ready=lambda: _answers(endpoint, port),
        log_path=log_dir / "dynamodb-local.log",
        die_with_parent=die_with_parent,
        # It writes dynamodb-local-metadata.json into its working directory: keep that out of
        # the user's.
        cwd=log_dir,
        data_dir=data_dir,
    )
