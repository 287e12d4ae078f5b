"""Pulumi.yaml and every shipped Pulumi.<stack>.yaml pass the rules the Pulumi CLI applies before
a program runs (stacks/stack_files.py), and the program's enum-like values are ones the provider
and AWS's API models list.

The rules themselves are tested with the cases Pulumi's own tests use (a missing value, two
missing values, a value of the wrong type, a default of the wrong type), so a rule that stopped
refusing would fail here, not silently pass the shipped files.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pulumi_aws
import pytest

from stacks import config, stack_files
from stacks.project import PROJECT_ROOT
from tests.stacks.conftest import RunStage
from tests.stacks.helpers import ESM, FUNCTION, STAGES, TABLE

PROJECT = stack_files.read_project(PROJECT_ROOT)
SHIPPED = stack_files.shipped_stacks(PROJECT_ROOT)


def test_every_stage_has_its_shipped_stack_file() -> None:
    assert {*STAGES, "lab", "dev"} <= set(SHIPPED)


def test_the_project_file_passes_the_clis_rules() -> None:
    assert stack_files.project_errors(PROJECT) == []


@pytest.mark.parametrize("stack", sorted(SHIPPED))
def test_each_shipped_stack_is_accepted(stack: str) -> None:
    assert stack_files.stack_errors(PROJECT, stack, SHIPPED[stack]) == []


@pytest.mark.parametrize("stack", sorted(SHIPPED))
def test_each_shipped_stack_with_the_projects_defaults_passes_the_programs_checks(
    stack: str,
) -> None:
    values = stack_files.merged(PROJECT, SHIPPED[stack])
    settings = config.load(values, stack=stack)
    assert settings.stage.value == SHIPPED[stack]["leda:stage"]
    assert settings.name_prefix == f"leda-{stack}"


def test_every_typed_key_has_a_default_or_is_set_by_every_shipped_stack() -> None:
    required = [
        key
        for key, declared in PROJECT["config"].items()
        if isinstance(declared, dict) and "default" not in declared
    ]
    assert required == ["senderEmail"]  # the one value nobody can guess: an SES identity
    for stack, values in SHIPPED.items():
        assert "leda:senderEmail" in values, stack


def test_a_new_stack_is_refused_until_the_sender_is_set_and_then_deploys_broken() -> None:
    """`pulumi stack init mine` with nothing set: the CLI names the one missing value."""
    assert stack_files.stack_errors(PROJECT, "mine", {"aws:region": "eu-west-1"}) == [
        "Stack 'mine' is missing configuration value 'senderEmail'"
    ]
    values = {"aws:region": "eu-west-1", "leda:senderEmail": "me@example.org"}
    assert stack_files.stack_errors(PROJECT, "mine", values) == []
    settings = config.load(stack_files.merged(PROJECT, values), stack="mine")
    assert (settings.stage.value, settings.name_prefix) == ("broken", "leda-mine")


# -- the rules, on Pulumi's own cases --------------------------------------------------------


def _project(config_block: dict[str, Any]) -> dict[str, Any]:
    return {"name": "test", "runtime": "python", "config": config_block}


def test_rule_a_key_without_default_must_be_set() -> None:
    project = _project({"values": {"type": "array", "items": {"type": "string"}}})
    assert stack_files.stack_errors(project, "dev", {}) == [
        "Stack 'dev' is missing configuration value 'values'"
    ]


def test_rule_two_missing_keys_are_one_error() -> None:
    project = _project(
        {"another": {"type": "string"}, "values": {"type": "array", "items": {"type": "string"}}}
    )
    assert stack_files.stack_errors(project, "dev", {}) == [
        "Stack 'dev' is missing configuration values 'another' and 'values'"
    ]


@pytest.mark.parametrize(
    ("value", "fits"),
    [("20", True), (20, True), ("-3", True), ("twenty", False), ("1_000", False), (" 5", False)],
)
def test_rule_an_integer_key_takes_whole_numbers_only(value: object, fits: bool) -> None:
    project = _project({"importantNumber": {"type": "integer"}})
    errors = stack_files.stack_errors(project, "dev", {"test:importantNumber": value})
    expected = (
        []
        if fits
        else ["Stack 'dev' with configuration key 'importantNumber' must be of type 'integer'"]
    )
    assert errors == expected


def test_rule_a_default_must_be_of_its_type() -> None:
    project = _project({"size": {"type": "integer", "default": "big"}})
    assert stack_files.project_errors(project) == [
        "The default value specified for configuration key 'size' is not of the expected "
        "type 'integer'"
    ]


def test_rule_another_namespace_gives_a_value_not_a_type() -> None:
    project = _project({"aws:region": {"type": "string"}})
    assert stack_files.project_errors(project) == [
        "Configuration key 'aws:region' is not namespaced by the project and should not "
        "define a type"
    ]
    shorthand = _project({"aws:region": "us-west-2", "size": 3})
    assert stack_files.project_errors(shorthand) == []
    assert stack_files.merged(shorthand, {}) == {"aws:region": "us-west-2", "test:size": "3"}


def test_rule_a_secret_must_be_encrypted() -> None:
    project = _project({"token": {"type": "string", "secret": True}})
    assert stack_files.stack_errors(project, "dev", {"test:token": "plain"}) == [
        "Stack 'dev' with configuration key 'token' must be encrypted as it's secret"
    ]
    assert stack_files.stack_errors(project, "dev", {"test:token": {"secure": "v1:abc"}}) == []


# -- enum-like values against the provider's enums and AWS's API models ----------------------

_SESSION = botocore.session.get_session()
LAMBDA_MODEL = _SESSION.get_service_model("lambda")
DYNAMODB_MODEL = _SESSION.get_service_model("dynamodb")


def _enum(model: Any, shape: str) -> set[str]:
    return set(model.shape_for(shape).enum)


def test_every_runtime_the_config_allows_is_one_the_provider_and_lambda_know() -> None:
    provider = {runtime.value for runtime in pulumi_aws.lambda_.Runtime}
    assert set(config.RUNTIMES) <= provider
    assert set(config.RUNTIMES) <= _enum(LAMBDA_MODEL, "Runtime")


@pytest.mark.parametrize("stage", STAGES)
def test_each_stages_enum_values_are_known(run_stage: RunStage, stage: str) -> None:
    run = run_stage(stage)
    runtimes = {f.inputs["runtime"] for f in run.of_type(FUNCTION)}
    assert runtimes <= {runtime.value for runtime in pulumi_aws.lambda_.Runtime}
    positions = {m.inputs["startingPosition"] for m in run.of_type(ESM)}
    assert positions <= _enum(LAMBDA_MODEL, "EventSourcePosition")
    responses = {t for m in run.of_type(ESM) for t in m.inputs.get("functionResponseTypes") or []}
    assert responses <= _enum(LAMBDA_MODEL, "FunctionResponseType")
    views = {
        t.inputs["streamViewType"] for t in run.of_type(TABLE) if t.inputs.get("streamEnabled")
    }
    assert views <= _enum(DYNAMODB_MODEL, "StreamViewType")
    billing = {t.inputs["billingMode"] for t in run.of_type(TABLE)}
    assert billing <= _enum(DYNAMODB_MODEL, "BillingMode")
    if stage != "broken":
        assert positions and views  # the check saw values to check
