"""The one set of fake credentials every local process shares.

DynamoDB Local keeps a database per access key and region unless -sharedDb, and accepts only
letters and digits in an access key; the same values
everywhere keep every process looking at the same tables either way.
"""

from __future__ import annotations

from typing import Any

LOCAL_REGION = "us-east-1"
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ledalocal",
    "AWS_SECRET_ACCESS_KEY": "ledalocal",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "AWS_REGION": LOCAL_REGION,
}


def local_client(service: str, endpoint: str, **config: Any) -> Any:
    """A boto3 client for one emulator, with the shared local credentials."""
    import boto3
    from botocore.config import Config

    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(**config) if config else None,
    )
