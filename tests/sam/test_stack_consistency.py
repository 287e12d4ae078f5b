"""template.yaml and the Pulumi program describe the same functions.

The Pulumi graph comes from the program run under Pulumi's mocks (stacks.mocks.run), for every
stage. A stage decides which variables a function gets (DEAD_LETTER_QUEUE_URL only where the
stage routes malformed records), while the template serves every stage with one declaration.
So for environment variable names: each stage's set must be declared by the template (SAM
passes nothing undeclared), and every name the template declares must be passed by some stage
(no variable exists only in the debugger). The code-path switches the stage table sets
(stacks/stage_model.py, SWITCHES) default in the template to the broken stage's values, as the
stack hands it out. The template's Globals hold only the local endpoint hooks
(AWS_ENDPOINT_URL_*), which the stacks never pass: test_template checks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from stacks import config as stack_config
from stacks.mocks import run as mock_run
from stacks.mocks.run import StackRun
from stacks.stage_model import SWITCHES
from tests.sam import template
from tests.sam.project import ROOT, TEMPLATE
from tests.sam.template import SamFunction

STAGES = ("broken", "wired", "fault-tolerant", "hardened")
LAMBDA_FUNCTION = "aws:lambda/function:Function"
SAM_DEFAULT_BUILD_DIR = ROOT / ".aws-sam" / "build"


def graph_functions(run: StackRun) -> dict[str, Mapping[str, Any]]:
    """The inputs of every Lambda function in a mock run, by name without the prefix."""
    assert run.error is None, f"the Pulumi program failed: {run.error!r}"
    return {run.short_names[f.name]: f.inputs for f in run.of_type(LAMBDA_FUNCTION)}


def variable_names(inputs: Mapping[str, Any]) -> set[str]:
    return set(inputs.get("environment", {}).get("variables", {}))


@pytest.fixture(scope="module")
def graphs() -> dict[str, dict[str, Mapping[str, Any]]]:
    """Stage -> the functions its stack declares (artifacts not required: no build here)."""
    return {
        stage: graph_functions(
            mock_run.record(mock_run.stage_config(stage), require_artifacts=False)
        )
        for stage in STAGES
    }


@pytest.mark.parametrize("stage", STAGES)
def test_the_same_functions_in_every_stage(graphs, sam_functions, stage):
    assert set(graphs[stage]) == set(sam_functions)


@pytest.mark.parametrize("stage", STAGES)
def test_same_handler_runtime_memory_and_timeout(graphs, sam_functions, stage):
    for name, inputs in graphs[stage].items():
        function: SamFunction = sam_functions[name]
        deployed = (
            inputs.get("handler"),
            inputs.get("runtime"),
            inputs.get("memorySize"),
            inputs.get("timeout"),
        )
        declared = (
            function.handler,
            function.runtime,
            function.memory_mb,
            function.timeout_seconds,
        )
        assert deployed == declared, f"{stage} {name}: stack {deployed} != template {declared}"


@pytest.mark.parametrize("stage", STAGES)
def test_template_declares_every_variable_a_stage_passes(graphs, sam_functions, stage):
    undeclared = {
        name: sorted(variable_names(inputs) - sam_functions[name].variables)
        for name, inputs in graphs[stage].items()
    }
    assert not any(undeclared.values()), f"{stage}: not in template.yaml: {undeclared}"


def test_every_variable_the_template_declares_is_passed_by_some_stage(graphs, sam_functions):
    passed: dict[str, set[str]] = {name: set() for name in sam_functions}
    for functions in graphs.values():
        for name, inputs in functions.items():
            passed.setdefault(name, set()).update(variable_names(inputs))
    never_passed = {
        name: sorted(function.variables - passed[name])
        for name, function in sam_functions.items()
        if function.variables - passed[name]
    }
    assert not never_passed, f"declared in template.yaml, passed by no stage: {never_passed}"


def test_template_defaults_the_switches_to_the_broken_stages_values(graphs, sam_functions):
    switch_names = {
        name for per_stage in SWITCHES.values() for names in per_stage.values() for name in names
    }
    for name, inputs in graphs["broken"].items():
        passed = inputs.get("environment", {}).get("variables", {})
        deployed = {k: v for k, v in passed.items() if k in switch_names}
        declared = {k: v for k, v in sam_functions[name].defaults.items() if k in switch_names}
        assert declared == deployed, f"{name}: template {declared} != broken stack {deployed}"


def test_runtime_choices_are_the_same():
    parameter = template.load(TEMPLATE)["Parameters"]["Runtime"]
    assert tuple(parameter["AllowedValues"]) == stack_config.RUNTIMES
    assert parameter["Default"] == stack_config.LedaConfig.lambda_runtime


@pytest.mark.parametrize("runtime", stack_config.RUNTIMES)
def test_a_chosen_runtime_reaches_every_function(runtime):
    run = mock_run.record(
        mock_run.stage_config("wired", extra={stack_config.LAMBDA_RUNTIME: runtime}),
        require_artifacts=False,
    )
    assert {inputs["runtime"] for inputs in graph_functions(run).values()} == {runtime}


def test_stacks_deploy_what_sam_build_writes_by_default(graphs, sam_functions):
    """Each function's code is `sam build`'s folder for the same LogicalId."""
    for name, inputs in graphs["wired"].items():
        assert inputs["code"] == {"fileArchive": str(SAM_DEFAULT_BUILD_DIR / name)}


@pytest.mark.sam_build
def test_stacks_accept_the_built_artifacts(build_dir, sam_functions):
    run = mock_run.record(
        mock_run.stage_config("fault-tolerant", extra={stack_config.ARTIFACTS_DIR: str(build_dir)}),
        require_artifacts=True,
    )
    functions = graph_functions(run)
    for name in sam_functions:
        assert functions[name]["code"] == {"fileArchive": str(build_dir / name)}
