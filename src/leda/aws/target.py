"""Where a command that acts on a deployed stack sends its calls, and what it knows of the stack.

Credentials come from boto3's standard chain (environment, shared files, `--profile`, SSO,
instance roles); `--endpoint-url` points every client at one endpoint instead (DynamoDB Local,
moto's server, LocalStack), which is how these commands are tested offline. A stack is known by
the JSON that `pulumi stack output --json` prints, saved to a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class TargetError(ValueError):
    """The stack's outputs or the credentials cannot be used; the message says what to do."""


@dataclass(frozen=True)
class AwsTarget:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None

    def client(self, service: str, **config: Any) -> Any:
        """A client from the standard chain; `config`: botocore Config settings."""
        import boto3
        import botocore.exceptions
        from botocore.config import Config

        try:
            session = boto3.Session(profile_name=self.profile, region_name=self.region)
        except botocore.exceptions.ProfileNotFound as error:
            raise TargetError(f"{error}; allowed: a profile from ~/.aws/config") from None
        if session.region_name is None:
            raise TargetError(
                "no AWS region: pass --region, set AWS_REGION, or give the profile a region"
            )
        return session.client(  # type: ignore[call-overload]
            service, endpoint_url=self.endpoint_url, config=Config(**config) if config else None
        )


def read_outputs(path: Path) -> dict[str, Any]:
    """A stack's outputs from `pulumi stack output --json > FILE`."""
    try:
        outputs = json.loads(path.read_text())
    except OSError as error:
        raise TargetError(f"cannot read stack outputs {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise TargetError(
            f"{path} is not JSON ({error.msg} at line {error.lineno}); write it with "
            "`pulumi stack output --json > FILE`"
        ) from None
    if not isinstance(outputs, dict):
        raise TargetError(
            f"{path} is not an object of outputs; write it with `pulumi stack output --json`"
        )
    return outputs


def output(outputs: dict[str, Any], key: str, path: Path) -> str:
    value = outputs.get(key)
    if not isinstance(value, str) or not value:
        raise TargetError(
            f"{path} has no output {key!r}; is it a Leda stack's `pulumi stack output --json`? "
            f"outputs found: {', '.join(sorted(outputs)) or 'none'}"
        )
    return value


def choose(name: str | None, outputs_file: Path | None, key: str, option: str) -> str:
    """A resource name given directly (`option`) or read from the stack's outputs: exactly one."""
    if (name is None) == (outputs_file is None):
        raise TargetError(f"give {option} NAME or --stack-outputs FILE (one of them)")
    if name is not None:
        return name
    assert outputs_file is not None
    return output(read_outputs(outputs_file), key, outputs_file)
