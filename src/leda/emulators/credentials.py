"""The one set of fake credentials every local process shares.

DynamoDB Local keeps a database per access key and region unless -sharedDb, and accepts only
letters and digits in an access key; the same values
everywhere keep every process looking at the same tables either way.
"""

from __future__ import annotations

LOCAL_REGION = "us-east-1"
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ledalocal",
    "AWS_SECRET_ACCESS_KEY": "ledalocal",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "AWS_REGION": LOCAL_REGION,
}
