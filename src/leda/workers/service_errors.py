"""A service's error answer, made in the function's process: what botocore would have parsed
from the service, handed back from a `before-call` hook so that botocore raises the same
ClientError (used by the IAM guard for refusals and by the injected failures)."""

from __future__ import annotations

import uuid
from typing import Any


def error_response(code: str, message: str, status: int) -> tuple[Any, dict[str, Any]]:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id}
    raw_headers = HTTPHeaders()
    for name, value in headers.items():
        raw_headers[name] = value
    http = AWSResponse("https://leda.offline/", status, raw_headers, None)
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {
            "RequestId": request_id,
            "HTTPStatusCode": status,
            "HTTPHeaders": headers,
            "RetryAttempts": 0,
        },
    }
    return http, parsed
