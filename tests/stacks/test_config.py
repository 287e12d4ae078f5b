"""Bad config fails before anything is declared, with a message naming the value and what is
allowed; good config (including the committed stack files) passes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stacks import config, naming
from stacks.config import ConfigError, LedaConfig
from stacks.mocks import run as mock_run
from stacks.project import PROJECT_ROOT
from stacks.stage_model import FunctionId, Stage

ROOT = PROJECT_ROOT
VALID = {
    "leda:stage": "wired",
    "aws:region": "us-east-1",
    "leda:senderEmail": "reminders@example.com",
}


def load(extra: dict[str, str] | None = None) -> LedaConfig:
    return config.load({**VALID, **(extra or {})}, stack="dev")


def test_defaults() -> None:
    settings = load()
    assert settings.stage is Stage.WIRED
    assert (settings.name_prefix, settings.participant) == ("leda-dev", None)
    assert (settings.shard_count, settings.burst_calls, settings.burst_records_per_call) == (
        20,
        250,
        40,
    )
    assert settings.lambda_runtime == "python3.11"
    assert settings.artifacts_dir == ROOT / ".aws-sam" / "build"
    assert settings.sender_email == "reminders@example.com"
    assert settings.default_timezone == "UTC"


@pytest.mark.parametrize(
    "sender",
    [
        "reminders@example.com",
        "Ann.Lee+clinic@mail.example.co.uk",
        "no_reply-2%x@sub-1.example.org",
        "a@b.io",
    ],
)
def test_sender_addresses_that_pass(sender: str) -> None:
    assert load({"leda:senderEmail": sender}).sender_email == sender


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"])
def test_timezones_that_pass(zone: str) -> None:
    assert load({"leda:defaultTimezone": zone}).default_timezone == zone


def test_an_empty_timezone_means_utc() -> None:
    assert load({"leda:defaultTimezone": " "}).default_timezone == "UTC"


def test_participant_prefixes_names() -> None:
    assert load({"leda:participant": "alice"}).name_prefix == "alice"


BAD = [
    (
        {"leda:stage": None},
        "leda:stage is not set; allowed: broken | wired | fault-tolerant | hardened | lab",
    ),
    (
        {"leda:stage": "wird"},
        "leda:stage='wird' is not a stage; allowed: broken | wired | fault-tolerant | "
        "hardened | lab",
    ),
    (
        {"leda:participant": "a b"},
        "leda:participant='a b' has characters AWS names refuse; allowed:",
    ),
    ({"leda:participant": "-alice"}, "leda:participant='-alice' has characters AWS names refuse"),
    ({"leda:participant": "al.ice"}, "leda:participant='al.ice' has characters AWS names refuse"),
    ({"leda:participant": "x" * 45}, "is 45 characters; allowed: at most 44"),
    ({"leda:shardCount": "0"}, "leda:shardCount=0 is out of range; allowed: 1-500"),
    ({"leda:shardCount": "501"}, "leda:shardCount=501 is out of range; allowed: 1-500"),
    ({"leda:shardCount": "many"}, "leda:shardCount='many' is not a whole number; allowed: 1-500"),
    ({"leda:burstCalls": "0"}, "leda:burstCalls=0 is out of range; allowed: 1-1000"),
    (
        {"leda:burstRecordsPerCall": "501"},
        "leda:burstRecordsPerCall=501 is out of range; allowed: 1-500",
    ),
    (
        {"leda:lambdaRuntime": "python3.9"},
        "leda:lambdaRuntime='python3.9' is not supported; "
        "allowed: python3.11 | python3.12 | python3.13",
    ),
    ({"aws:region": None}, "aws:region is not set; allowed: an AWS region such as us-east-1"),
    ({"aws:region": "us-east1"}, "aws:region='us-east1' is not a region name; allowed:"),
    (
        {"leda:senderEmail": None},
        "leda:senderEmail is not set; allowed: one bare address local@domain.tld",
    ),
    ({"leda:senderEmail": " "}, "leda:senderEmail is not set; allowed:"),
    *(
        (
            {"leda:senderEmail": bad},
            f"leda:senderEmail={bad!r} is not a single email address; allowed: one bare address",
        )
        for bad in (
            "reminders",  # no @
            "reminders@example",  # no dot in the domain
            "Clinic <reminders@example.com>",  # a display name
            "<reminders@example.com>",  # angle brackets
            "remind ers@example.com",  # a space
            "a@b.com,c@d.com",  # two addresses
            "a@@example.com",
            ".ann@example.com",  # leading dot
            "ann..lee@example.com",  # double dot
            "ann@-example.com",  # label starting with a hyphen
            "ann@example.c0m",  # digits in the top-level domain
            "*@example.com",  # an IAM wildcard in the identity ARN
            "a?c@example.com",
            "${aws:username}@example.com",  # an IAM policy variable
            "ann/lee@example.com",  # a path separator in the identity ARN
            "ann@example.com ",  # trailing space
        )
    ),
    (
        {"leda:senderEmail": "x" * 65 + "@example.com"},
        "is too long; allowed: at most 64 characters before the @ and 254 in all",
    ),
    (
        {"leda:senderEmail": "ann@" + ".".join(c * 63 for c in "defg") + ".com"},  # 263
        "is too long; allowed:",
    ),
    (
        {"leda:defaultTimezone": "Paris"},
        "leda:defaultTimezone='Paris' is not an IANA time zone name; allowed: a name such as "
        "UTC, Europe/Paris or America/New_York",
    ),
    ({"leda:defaultTimezone": "europe/paris"}, "leda:defaultTimezone='europe/paris' is not an"),
    ({"leda:defaultTimezone": "+02:00"}, "leda:defaultTimezone='+02:00' is not an IANA"),
    ({"leda:defaultTimezone": "localtime"}, "leda:defaultTimezone='localtime' is not an IANA"),
    ({"leda:defaultTimezone": "posix/Europe/Paris"}, "='posix/Europe/Paris' is not an IANA"),
    ({"leda:defaultTimezone": "../etc/passwd"}, "='../etc/passwd' is not an IANA"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[str(change) for change, _ in BAD])
def test_each_bad_value_fails_with_its_message(change: dict[str, str | None], message: str) -> None:
    values = {**VALID, **change}
    present = {key: value for key, value in values.items() if value is not None}
    with pytest.raises(ConfigError) as raised:
        config.load(present, stack="dev")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(("change", "message"), BAD, ids=[str(change) for change, _ in BAD])
def test_bad_config_declares_nothing(
    change: dict[str, str | None], message: str, artifacts_dir: Path
) -> None:
    values = {**VALID, "leda:artifactsDir": str(artifacts_dir), **change}
    present = {key: value for key, value in values.items() if value is not None}
    result = mock_run.record(present)
    assert isinstance(result.error, ConfigError)
    assert message in str(result.error)
    assert result.resources == ()
    assert result.config is None


def test_every_problem_is_reported_at_once_on_one_line() -> None:
    with pytest.raises(ConfigError) as raised:
        config.load({"leda:stage": "x", "leda:shardCount": "0"}, stack="dev")
    text = str(raised.value)
    assert "leda:stage='x'" in text and "leda:shardCount=0" in text and "aws:region" in text
    assert "leda:senderEmail is not set" in text
    assert "\n" not in text


def test_reminder_settings_are_reported_with_the_others() -> None:
    values = {
        "leda:stage": "wird",
        "aws:region": "us-east-1",
        "leda:participant": "a b",
        "leda:senderEmail": "Clinic <x@example.com>",
        "leda:defaultTimezone": "Mars/Olympus",
    }
    with pytest.raises(ConfigError) as raised:
        config.load(values, stack="dev")
    text = str(raised.value)
    assert text.startswith("invalid stack config: ")
    problems = text.removeprefix("invalid stack config: ").split("; allowed")
    assert len(problems) == 5  # one "...; allowed: ..." per bad value
    for fragment in (
        "leda:stage='wird'",
        "leda:participant='a b'",
        "leda:senderEmail='Clinic <x@example.com>' is not a single email address",
        "leda:defaultTimezone='Mars/Olympus' is not an IANA time zone name",
    ):
        assert fragment in text
    assert "\n" not in text


def test_a_missing_sender_declares_nothing(artifacts_dir: Path) -> None:
    """The shipped helper can leave the required sender out, to see the error a stack gets."""
    present = mock_run.stage_config(
        "wired", sender_email=None, extra={"leda:artifactsDir": str(artifacts_dir)}
    )
    assert "leda:senderEmail" not in present
    result = mock_run.record(present)
    assert isinstance(result.error, ConfigError)
    assert "leda:senderEmail is not set" in str(result.error)
    assert result.resources == ()


def test_stage_config_has_a_placeholder_sender_that_extra_overrides() -> None:
    assert mock_run.stage_config("wired")["leda:senderEmail"] == "reminders@example.com"
    assert mock_run.stage_config("wired", sender_email="a@b.io")["leda:senderEmail"] == "a@b.io"
    overridden = mock_run.stage_config(
        "wired", sender_email="a@b.io", extra={"leda:senderEmail": "c@d.io"}
    )
    assert overridden["leda:senderEmail"] == "c@d.io"


def test_longest_participant_fits_every_name_limit() -> None:
    longest = "p" * naming.max_prefix_length()
    assert naming.max_prefix_length() == 44  # "<prefix>-GeneratorLambdaRole" within 64
    settings = load({"leda:participant": longest})
    names = naming.Names(settings.name_prefix)
    assert len(names.role(FunctionId.GENERATOR)) == 64
    # The reminders' names, each within its own limit at the longest prefix.
    assert len(names.role("ReminderLambda")) <= 64
    assert len(names.of("SchedulerRole")) <= 64
    assert len(names.function("ReminderLambda")) <= 64
    assert len(names.of("ReminderDeadLetterQueue")) <= 80
    assert len(names.of("ReminderFailureQueue")) <= 80
    group = names.schedule_group()
    assert len(group) <= 64 and naming.SCHEDULE_GROUP_PATTERN.fullmatch(group)


def test_every_new_name_is_among_the_limited_ones() -> None:
    """A name left out of _limited_names could outgrow its AWS limit unnoticed."""
    limited = dict(naming._limited_names())
    for name, limit in {
        "ReminderLambda": 64,
        "ReminderLambdaRole": 64,
        "ReminderLambdaPolicy": 128,
        "AppointmentTable": 255,
        "ReminderIdempotencyTable": 255,
        "ReminderFailureQueue": 80,
        "ReminderDeadLetterQueue": 80,
        "Reminders": 64,
        "SchedulerRole": 64,
        "SchedulerPolicy": 128,
    }.items():
        assert limited.get(name) == limit, name


def test_default_prefix_comes_from_the_stack_and_is_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"from stack .*; set leda:participant"):
        config.load(VALID, stack="s" * 60)
    with pytest.raises(ConfigError, match="has characters AWS names refuse"):
        config.load(VALID, stack="team.one")
    assert config.load(VALID, stack="team-one").name_prefix == "leda-team-one"


def test_relative_artifacts_dir_is_from_the_project_root() -> None:
    assert load({"leda:artifactsDir": "build/sam"}).artifacts_dir == ROOT / "build" / "sam"


def _stack_file(name: str) -> dict[str, str]:
    """`key: value` lines under `config:` of a Pulumi.<stack>.yaml (flat strings only)."""
    text = (ROOT / f"Pulumi.{name}.yaml").read_text()
    return dict(re.findall(r"^\s+([a-z]+:[A-Za-z]+):\s*(\S+)\s*$", text, flags=re.MULTILINE))


@pytest.mark.parametrize("stage", ["broken", "wired", "fault-tolerant", "hardened", "lab"])
def test_stage_stack_files_select_their_stage(stage: str) -> None:
    values = _stack_file(stage)
    assert config.load(values, stack=stage).stage.value == stage


def test_dev_stack_file_is_valid() -> None:
    assert config.load(_stack_file("dev"), stack="dev").name_prefix == "leda-dev"


def test_project_file_runs_the_stacks_program_in_the_project_virtualenv() -> None:
    text = (ROOT / "Pulumi.yaml").read_text()
    assert re.search(r"^name: leda$", text, flags=re.MULTILINE)
    assert re.search(r"^main: stacks/$", text, flags=re.MULTILINE)
    assert re.search(r"^\s+virtualenv: \.venv$", text, flags=re.MULTILINE)
    assert (ROOT / "stacks" / "__main__.py").is_file()
