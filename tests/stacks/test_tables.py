"""Every table's shape (keys, stream, TTL) is declared once, in stacks/tables.py.

The program declares exactly those shapes in every stage; events/local_resources.py (the tables
`sam local invoke` uses) and tests/support/tables.py (the tables of the functions' tests)
create the same shapes the program declares; and no other file of the program, the events or
the tests' helpers spells out a table's keys or stream. (src/leda makes the stack's tables only
from what the program declares, deployment/provision.py, so it writes no shape down.)
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import pytest

from stacks import tables
from stacks.project import PROJECT_ROOT
from stacks.stage_model import Stage
from stacks.tables import Key, TableShape
from tests.stacks.conftest import RunStage
from tests.stacks.helpers import STAGES, TABLE
from tests.support import tables as support_tables

LOCAL_RESOURCES = PROJECT_ROOT / "events" / "local_resources.py"
ENV_PREFIX = "leda-local-"  # env.json names what a `leda-local` stack would
# Words that only a table's declaration uses, and the two files allowed to use them: where the
# shapes are written, and where they become the Pulumi resource's arguments.
SHAPE_WORDS = (
    "KeySchema",
    "AttributeDefinitions",
    "StreamSpecification",
    "TimeToLiveSpecification",
    "hash_key=",
    "range_key=",
    "stream_view_type=",
    "stream_enabled=",
    "dynamodb.Table(",
)
SHAPES_WRITTEN_IN = frozenset({"stacks/tables.py", "stacks/parts.py"})
SEARCHED = ("stacks", "events", "tests/support")


def declared_shapes(run: Any) -> dict[str, TableShape]:
    """Logical name -> the shape of each table the program declared, read from its inputs."""
    lead = run.config.name_prefix + "-"
    shapes = {}
    for resource in run.of_type(TABLE):
        inputs = resource.inputs
        types = {attribute["name"]: attribute["type"] for attribute in inputs["attributes"]}
        keys = [inputs["hashKey"], *([inputs["rangeKey"]] if inputs.get("rangeKey") else [])]
        assert sorted(types) == sorted(keys), f"{resource.name}: attributes beyond the keys"
        assert inputs["billingMode"] == "PAY_PER_REQUEST"
        ttl = inputs.get("ttl") or {}
        logical = resource.name.removeprefix(lead)
        shapes[logical] = TableShape(
            logical,
            Key(keys[0], types[keys[0]]),
            Key(keys[1], types[keys[1]]) if len(keys) > 1 else None,
            inputs.get("streamViewType") if inputs.get("streamEnabled") else None,
            ttl.get("attributeName") if ttl.get("enabled") else None,
        )
    return shapes


class RecordingDynamoDB:
    """Stands in for a DynamoDB client with no tables: keeps what it is asked to create."""

    def __init__(self) -> None:
        self.requests: dict[str, dict[str, Any]] = {}
        self.time_to_live: dict[str, dict[str, Any]] = {}

    def get_paginator(self, operation: str) -> RecordingDynamoDB:
        assert operation == "list_tables"
        return self

    def paginate(self) -> list[dict[str, list[str]]]:
        return [{"TableNames": []}]

    def create_table(self, **request: Any) -> None:
        assert request["TableName"] not in self.requests
        assert request["BillingMode"] == "PAY_PER_REQUEST"
        self.requests[request["TableName"]] = request

    def update_time_to_live(self, **request: Any) -> None:
        assert request["TableName"] in self.requests, "TTL set on a table not created"
        self.time_to_live[request["TableName"]] = request["TimeToLiveSpecification"]

    def shapes(self, logical_name: Mapping[str, str]) -> dict[str, TableShape]:
        """Logical name -> the shape of each table created (`logical_name`: physical -> it)."""
        found = {}
        for name, request in self.requests.items():
            types = {
                a["AttributeName"]: a["AttributeType"] for a in request["AttributeDefinitions"]
            }
            kinds = {key["KeyType"]: key["AttributeName"] for key in request["KeySchema"]}
            assert sorted(types) == sorted(kinds.values()), f"{name}: attributes beyond the keys"
            stream = request.get("StreamSpecification") or {}
            ttl = self.time_to_live.get(name) or {}
            logical = logical_name[name]
            found[logical] = TableShape(
                logical,
                Key(kinds["HASH"], types[kinds["HASH"]]),
                Key(kinds["RANGE"], types[kinds["RANGE"]]) if "RANGE" in kinds else None,
                stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
                ttl.get("AttributeName") if ttl.get("Enabled") else None,
            )
        return found


def _local_resources() -> ModuleType:
    spec = importlib.util.spec_from_file_location("local_resources", LOCAL_RESOURCES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("stage", STAGES)
def test_the_program_declares_the_shapes_of_stacks_tables(run_stage: RunStage, stage: str):
    expected = {shape.logical_name: shape for shape in tables.declared(Stage(stage))}
    assert declared_shapes(run_stage(stage)) == expected


def test_only_reduce_table_changes_between_stages(run_stage: RunStage):
    """The one shape a stage decides is ReduceTable's stream: off when handed out, on after."""
    broken, wired, fault_tolerant, hardened = (
        declared_shapes(run_stage(stage)) for stage in STAGES
    )
    assert wired == fault_tolerant == hardened
    changed = {name for name in broken if broken[name] != wired[name]}
    assert changed == {"ReduceTable"}
    assert not broken["ReduceTable"].stream_enabled
    assert wired["ReduceTable"].stream_view_type == "NEW_AND_OLD_IMAGES"


@pytest.mark.parametrize("stage", STAGES)
def test_local_resources_creates_the_tables_the_program_declares(run_stage: RunStage, stage: str):
    local_resources = _local_resources()
    values = local_resources.named_values(json.loads(local_resources.ENV_FILE.read_text()))
    dynamodb = RecordingDynamoDB()
    created = local_resources.create_tables(dynamodb, values, Stage(stage))

    assert sorted(created) == sorted(dynamodb.requests)
    assert all(name.startswith(ENV_PREFIX) for name in created)
    logical = {name: name.removeprefix(ENV_PREFIX) for name in created}
    assert dynamodb.shapes(logical) == declared_shapes(run_stage(stage))


def test_local_resources_makes_the_fault_tolerant_tables_unless_told(run_stage: RunStage):
    """env.json sets the fault-tolerant code paths, so the script makes that stage's tables."""
    local_resources = _local_resources()
    values = local_resources.named_values(json.loads(local_resources.ENV_FILE.read_text()))
    dynamodb = RecordingDynamoDB()
    local_resources.create_tables(dynamodb, values)
    logical = {name: name.removeprefix(ENV_PREFIX) for name in dynamodb.requests}
    assert dynamodb.shapes(logical) == declared_shapes(run_stage("fault-tolerant"))


def test_the_tests_tables_are_the_ones_the_program_declares(run_stage: RunStage):
    """tests/support/tables.py makes the last stage's tables (every stream on) under names of
    the form `<logical name>-<8 hex digits>`."""
    dynamodb = RecordingDynamoDB()
    support_tables.create_pipeline_tables(dynamodb)
    support_tables.create_appointment_table(dynamodb)
    support_tables.create_idempotency_table(dynamodb)
    logical = {name: name.rsplit("-", 1)[0] for name in dynamodb.requests}
    assert dynamodb.shapes(logical) == declared_shapes(run_stage("fault-tolerant"))


def test_an_appointment_table_without_its_stream_differs_in_the_stream_only():
    dynamodb = RecordingDynamoDB()
    name = support_tables.create_appointment_table(dynamodb, stream=False)
    shape = dynamodb.shapes({name: "AppointmentTable"})["AppointmentTable"]
    assert shape == tables.APPOINTMENT_TABLE.with_stream(False)


def test_no_other_file_declares_a_table_shape():
    offending = []
    for folder in SEARCHED:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            relative = path.relative_to(PROJECT_ROOT).as_posix()
            if relative in SHAPES_WRITTEN_IN:
                continue
            text = path.read_text(encoding="utf-8")
            offending += [f"{relative}: {word}" for word in SHAPE_WORDS if word in text]
    assert not offending, (
        "table shapes are declared in stacks/tables.py only; found elsewhere:\n"
        + "\n".join(offending)
    )


def test_the_shapes_module_imports_no_pulumi():
    """Scripts and tests import stacks/tables.py cheaply: nothing it imports loads Pulumi."""
    check = "import sys, stacks.tables; print(sorted(m for m in sys.modules if 'pulumi' in m))"
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
