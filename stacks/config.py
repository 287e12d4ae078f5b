"""Stack config, validated before any resource is declared.

Every problem is reported at once, on one line, naming the bad value and what is allowed, as a
`pulumi.RunError`: Pulumi prints its message without a stack trace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

import pulumi

from stacks import naming
from stacks.project import HANDOUT, PROJECT_ROOT
from stacks.stage_model import Stage

DEFAULT_ARTIFACTS_DIR = PROJECT_ROOT / ".aws-sam" / "build"

STAGE = "leda:stage"
PARTICIPANT = "leda:participant"
SHARD_COUNT = "leda:shardCount"
BURST_CALLS = "leda:burstCalls"
BURST_RECORDS_PER_CALL = "leda:burstRecordsPerCall"
LAMBDA_RUNTIME = "leda:lambdaRuntime"
ARTIFACTS_DIR = "leda:artifactsDir"
SENDER_EMAIL = "leda:senderEmail"
DEFAULT_TIMEZONE = "leda:defaultTimezone"
LAB_WORKSPACE = "leda:labWorkspace"
REGION = "aws:region"
KEYS = (
    STAGE,
    PARTICIPANT,
    SHARD_COUNT,
    BURST_CALLS,
    BURST_RECORDS_PER_CALL,
    LAMBDA_RUNTIME,
    ARTIFACTS_DIR,
    SENDER_EMAIL,
    DEFAULT_TIMEZONE,
    LAB_WORKSPACE,
    REGION,
)

RUNTIMES = ("python3.11", "python3.12", "python3.13")
REGION_PATTERN = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}")

# The sender is the SES identity reminders are sent from, and it is written into IAM: the
# identity ARNs (`identity/<address>`, `identity/<domain>`) and an `ses:FromAddress` condition.
# So the rule is narrower than what mail allows: no display name or angle brackets (SES would
# match only the bare address), and none of `* ? $ { } /`, which IAM reads as wildcards,
# policy variables or path separators in an ARN.
_LOCAL_PART = r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
SENDER_PATTERN = re.compile(
    rf"(?P<local>{_LOCAL_PART})@(?P<domain>(?:{_DOMAIN_LABEL}\.)+[A-Za-z]{{2,63}})", re.ASCII
)
SENDER_RULE = (
    "one bare address local@domain.tld, the SES identity reminders are sent from: letters, "
    "digits and . _ % + - before the @ (at most 64, no leading, trailing or double dot), then "
    "a domain of dot-separated labels ending in a top-level domain of letters; no spaces, "
    "display name or angle brackets"
)
MAX_SENDER_LENGTH = 254
DEFAULT_ZONE = "UTC"
# Files some tz databases list that name the machine's own setting, not a place; the reminder
# function refuses them too (functions/leda_reminders/items.py).
_NOT_ZONES = frozenset({"localtime", "posixrules"})


class ConfigError(pulumi.RunError):
    """The stack config is invalid; the message says which values and what is allowed."""


@dataclass(frozen=True)
class LedaConfig:
    stage: Stage
    name_prefix: str
    participant: str | None
    region: str
    sender_email: str  # the verified SES identity reminders are sent from
    shard_count: int = 20
    burst_calls: int = 250
    burst_records_per_call: int = 40
    lambda_runtime: str = "python3.11"
    artifacts_dir: Path = DEFAULT_ARTIFACTS_DIR
    default_timezone: str = DEFAULT_ZONE  # how appointment times without an offset are read
    # The participant's workspace, read when the stage is `lab` (stacks/lab_workspace.py).
    lab_workspace: Path | None = None


def _integer(
    values: Mapping[str, str], key: str, default: int, low: int, high: int, errors: list[str]
) -> int:
    text = values.get(key)
    if text is None or text.strip() == "":
        return default
    try:
        number = int(text.strip())
    except ValueError:
        errors.append(f"{key}={text!r} is not a whole number; allowed: {low}-{high}")
        return default
    if not low <= number <= high:
        errors.append(f"{key}={number} is out of range; allowed: {low}-{high}")
    return number


def _sender(text: str | None, errors: list[str]) -> str:
    if text is None or text.strip() == "":
        errors.append(f"{SENDER_EMAIL} is not set; allowed: {SENDER_RULE}")
        return ""
    match = SENDER_PATTERN.fullmatch(text)
    if match is None:
        errors.append(
            f"{SENDER_EMAIL}={text!r} is not a single email address; allowed: {SENDER_RULE}"
        )
    elif len(match["local"]) > 64 or len(text) > MAX_SENDER_LENGTH:
        errors.append(
            f"{SENDER_EMAIL}={text!r} is too long; allowed: at most 64 characters before the @ "
            f"and {MAX_SENDER_LENGTH} in all"
        )
    return text


@cache
def zone_names() -> frozenset[str]:
    """IANA zone names this machine's tz database (or the tzdata package) knows."""
    return frozenset(available_timezones()) - _NOT_ZONES


def _timezone(text: str | None, errors: list[str]) -> str:
    if text is None or text.strip() == "":
        return DEFAULT_ZONE
    if text not in zone_names():
        errors.append(
            f"{DEFAULT_TIMEZONE}={text!r} is not an IANA time zone name; allowed: a name such "
            f"as UTC, Europe/Paris or America/New_York (default {DEFAULT_ZONE})"
        )
    return text


def _prefix(participant: str | None, stack: str, errors: list[str]) -> str:
    longest = naming.max_prefix_length()
    if participant is not None:
        source, prefix = f"{PARTICIPANT}={participant!r}", participant
        fix = ""
    else:
        prefix = f"leda-{stack}"
        source = f"the default name prefix {prefix!r} (from stack {stack!r})"
        fix = f"; set {PARTICIPANT}"
    if not naming.PREFIX_PATTERN.fullmatch(prefix):
        errors.append(
            f"{source} has characters AWS names refuse; allowed: {naming.PREFIX_CHARACTERS}{fix}"
        )
    elif len(prefix) > longest:
        errors.append(
            f"{source} is {len(prefix)} characters; allowed: at most {longest}, so that function "
            f"and role names stay within 64{fix}"
        )
    return prefix


def load(values: Mapping[str, str], stack: str) -> LedaConfig:
    """Validate raw config values (full keys such as `leda:stage`) of the given stack."""
    errors: list[str] = []

    stage_text = values.get(STAGE)
    allowed_stages = " | ".join(stage.value for stage in Stage)
    stage = Stage.BROKEN
    if stage_text is None or stage_text.strip() == "":
        errors.append(f"{STAGE} is not set; allowed: {allowed_stages}")
    else:
        try:
            stage = Stage(stage_text)
        except ValueError:
            errors.append(f"{STAGE}={stage_text!r} is not a stage; allowed: {allowed_stages}")

    participant = values.get(PARTICIPANT) or None
    prefix = _prefix(participant, stack, errors)

    region = values.get(REGION, "")
    if not region:
        errors.append(f"{REGION} is not set; allowed: an AWS region such as us-east-1")
    elif not REGION_PATTERN.fullmatch(region):
        errors.append(
            f"{REGION}={region!r} is not a region name; allowed: e.g. us-east-1, eu-west-2"
        )

    shard_count = _integer(values, SHARD_COUNT, 20, 1, 500, errors)
    burst_calls = _integer(values, BURST_CALLS, 250, 1, 1000, errors)
    records = _integer(values, BURST_RECORDS_PER_CALL, 40, 1, 500, errors)

    runtime = values.get(LAMBDA_RUNTIME) or "python3.11"
    if runtime not in RUNTIMES:
        errors.append(
            f"{LAMBDA_RUNTIME}={runtime!r} is not supported; allowed: {' | '.join(RUNTIMES)}"
        )

    artifacts_text = values.get(ARTIFACTS_DIR)
    artifacts_dir = (
        (PROJECT_ROOT / artifacts_text).resolve() if artifacts_text else DEFAULT_ARTIFACTS_DIR
    )

    workspace_text = values.get(LAB_WORKSPACE)
    # Without a workspace named, the project's lab/ folder (`leda lab start` makes it), or,
    # before there is one, the handout itself: the lab stage as handed out.
    lab_workspace = (
        (PROJECT_ROOT / workspace_text).resolve()
        if workspace_text
        else next(
            (folder for folder in (PROJECT_ROOT / "lab", HANDOUT) if folder.is_dir()), HANDOUT
        )
    )
    if workspace_text and stage is not Stage.LAB:
        errors.append(
            f"{LAB_WORKSPACE} is set but {STAGE} is {stage.value!r}; allowed: a workspace "
            f"with {STAGE}=lab only"
        )

    sender_email = _sender(values.get(SENDER_EMAIL), errors)
    default_timezone = _timezone(values.get(DEFAULT_TIMEZONE), errors)

    if errors:
        raise ConfigError("invalid stack config: " + "; ".join(errors))
    return LedaConfig(
        stage=stage,
        name_prefix=prefix,
        participant=participant,
        region=region,
        sender_email=sender_email,
        shard_count=shard_count,
        burst_calls=burst_calls,
        burst_records_per_call=records,
        lambda_runtime=runtime,
        artifacts_dir=artifacts_dir,
        default_timezone=default_timezone,
        lab_workspace=lab_workspace if stage is Stage.LAB else None,
    )


def _pulumi_value(key: str) -> str | None:
    namespace, name = key.split(":", 1)
    return pulumi.Config(namespace).get(name)


def from_pulumi(read: Callable[[str], str | None] = _pulumi_value) -> LedaConfig:
    """The current stack's config, validated."""
    values = {key: value for key in KEYS if (value := read(key)) is not None}
    return load(values, pulumi.get_stack())
