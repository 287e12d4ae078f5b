"""A boto3 client for what `leda local serve --json` described, as a user's own code makes it."""

from __future__ import annotations

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
