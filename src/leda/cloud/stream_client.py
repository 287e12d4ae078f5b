"""The stream reads the runtime makes many times a second, sent without botocore's machinery.

Lambda polls every Kinesis shard once a second and every table stream shard four times a
second, whether records are there or not, and the referee reads the same shards while a burst
runs. Through a boto3 client each of those calls cost about 3 ms of CPU on this machine (event
hooks, the user-agent string, the shape-walking parser, a datetime for every record's time):
a quarter of a core for one idle deployment, and both cores are busy in a burst. This client
sends the same signed JSON requests (botocore's SigV4Auth signs them; urllib3, botocore's own
HTTP library, carries them) and returns the services' answers as they come off the wire: data
and binary values as base64 text, times as epoch seconds. That is the form Lambda's events
carry, so leda.triggers.events passes them through without re-encoding.

It has the method names and keyword arguments of the boto3 clients it stands in for (the
trigger sources call either), and raises what boto3 raises: ClientError with the service's
error code, EndpointConnectionError when the emulator cannot be reached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, EndpointConnectionError

from leda.cloud.credentials import LOCAL_CREDENTIALS, LOCAL_REGION


@dataclass(frozen=True)
class _Protocol:
    """What differs between the two services' JSON protocols (their service models)."""

    target_prefix: str
    content_type: str
    signing_name: str


PROTOCOLS = {
    "kinesis": _Protocol("Kinesis_20131202", "application/x-amz-json-1.1", "kinesis"),
    "dynamodbstreams": _Protocol(
        "DynamoDBStreams_20120810", "application/x-amz-json-1.0", "dynamodb"
    ),
}
POOL_SIZE = 64  # one connection per poller thread of a 20-shard stream, and then some
CONNECT_SECONDS = 10.0
READ_SECONDS = 60.0  # botocore's default read timeout


class StreamClient:
    """ListShards, DescribeStream, GetShardIterator and GetRecords on one emulator."""

    exceptions = SimpleNamespace(ClientError=ClientError)

    def __init__(self, service: str, endpoint: str, region: str = LOCAL_REGION) -> None:
        if service not in PROTOCOLS:
            raise ValueError(f"no stream client for {service!r}; allowed: {sorted(PROTOCOLS)}")
        self._protocol = PROTOCOLS[service]
        self._endpoint = endpoint.rstrip("/") + "/"
        parts = urlsplit(self._endpoint)
        self._pool = urllib3.PoolManager(
            maxsize=POOL_SIZE,
            timeout=urllib3.Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS),
            # A kept-alive connection the emulator has since closed is tried once more on a
            # new one; every call here is a read, safe to send again.
            retries=urllib3.Retry(total=2, allowed_methods=None, raise_on_status=False),
        )
        self._host = parts.netloc
        self._signer = SigV4Auth(
            Credentials(
                LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"], LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
            ),
            self._protocol.signing_name,
            region,
        )

    def list_shards(self, **params: Any) -> dict[str, Any]:
        return self._call("ListShards", params)

    def describe_stream(self, **params: Any) -> dict[str, Any]:
        return self._call("DescribeStream", params)

    def get_shard_iterator(self, **params: Any) -> dict[str, Any]:
        return self._call("GetShardIterator", params)

    def get_records(self, **params: Any) -> dict[str, Any]:
        return self._call("GetRecords", params)

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(params).encode()
        request = AWSRequest(
            method="POST",
            url=self._endpoint,
            data=body,
            headers={
                "Content-Type": self._protocol.content_type,
                "X-Amz-Target": f"{self._protocol.target_prefix}.{operation}",
                "Host": self._host,
            },
        )
        self._signer.add_auth(request)
        try:
            response = self._pool.request(
                "POST", self._endpoint, body=body, headers=dict(request.headers.items())
            )
        except urllib3.exceptions.HTTPError as error:
            raise EndpointConnectionError(endpoint_url=self._endpoint, error=error) from None
        try:
            answer: dict[str, Any] = json.loads(response.data) if response.data else {}
        except ValueError:
            answer = {"message": response.data[:200].decode("utf-8", "replace")}
            if response.status < 300:
                raise ClientError(_error_response(answer, response), operation) from None
        if response.status >= 300:
            raise ClientError(_error_response(answer, response), operation)
        return answer


def _error_response(answer: dict[str, Any], response: Any) -> Any:
    """The error in boto3's form: the code after the `#` of `__type` (as botocore reads it)."""
    kind = str(answer.get("__type") or response.headers.get("x-amzn-ErrorType") or "")
    code = kind.rsplit("#", 1)[-1].split(":", 1)[0] or (
        str(response.status) if response.status >= 300 else "NotJson"
    )
    message = answer.get("message") or answer.get("Message") or ""
    return {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": response.status},
    }
