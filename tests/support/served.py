"""A boto3 client for what `leda local serve --json` described, as a user's own code makes it."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3


def client_for(description: dict[str, Any], service: str) -> Any:
    credentials = description["credentials"]
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=description["endpoints"][service],
        region_name=description["region"],
        aws_access_key_id=credentials["aws_access_key_id"],
        aws_secret_access_key=credentials["aws_secret_access_key"],
    )


@contextlib.contextmanager
def serving(*options: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    """`leda local serve --json` with these options: the process and the description it
    printed; stopped with SIGTERM (and waited for) when the block ends."""
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "leda"), "local", "serve", *options, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process, json.loads(process.stdout.readline())
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(60)
