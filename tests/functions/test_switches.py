"""The code-path switches: the functions define the variables and the values they allow and
refuse anything else; the stack's stage table (stacks/stage_model.py) gives only those."""

from __future__ import annotations

import re

import generator_lambda
import map_lambda
import pytest
import reduce_lambda
import state_lambda
from leda_lambda.settings import SettingsError
from leda_pipeline import switches

from leda.triggers.events import batch
from stacks.stage_model import SWITCHES, FunctionId, Stage
from tests.support.events import kinesis_event
from tests.support.invoke import invoke

READERS = {
    switches.STATE_WRITE: (FunctionId.STATE, switches.state_write),
    switches.MAP_WRITE_ERRORS: (FunctionId.MAP, switches.map_write_errors),
    switches.REDUCE_IDEMPOTENCY: (FunctionId.REDUCE, switches.reduce_idempotency),
    switches.GENERATOR_REFUSED_RECORDS: (FunctionId.GENERATOR, switches.refused_records),
}


def test_every_switch_has_its_reader():
    assert set(READERS) == set(switches.SWITCHES)


@pytest.mark.parametrize("variable", sorted(switches.SWITCHES))
def test_a_missing_switch_names_the_variable_and_the_values(monkeypatch, variable):
    monkeypatch.delenv(variable, raising=False)
    allowed = " | ".join(switches.SWITCHES[variable])
    with pytest.raises(
        SettingsError, match=re.escape(f"{variable} is not set; allowed: {allowed}")
    ):
        READERS[variable][1]()


@pytest.mark.parametrize("variable", sorted(switches.SWITCHES))
def test_an_unknown_value_names_the_variable_the_value_and_the_values(monkeypatch, variable):
    monkeypatch.setenv(variable, "fault-tolerant")  # a stage is not a code path
    allowed = " | ".join(switches.SWITCHES[variable])
    with pytest.raises(SettingsError, match=re.escape(f"{variable}='fault-tolerant'")) as error:
        READERS[variable][1]()
    assert str(error.value).endswith(f"allowed: {allowed}")


@pytest.mark.parametrize("variable", sorted(switches.SWITCHES))
def test_every_allowed_value_is_read_as_itself(monkeypatch, variable):
    for value in switches.SWITCHES[variable]:
        monkeypatch.setenv(variable, f" {value.value} ")
        assert READERS[variable][1]() is value


@pytest.mark.parametrize(
    ("handler", "event", "variable"),
    [
        (state_lambda.handler, kinesis_event([]), switches.STATE_WRITE),
        (map_lambda.handler, batch([]), switches.MAP_WRITE_ERRORS),
        (reduce_lambda.handler, batch([]), switches.REDUCE_IDEMPOTENCY),
        (generator_lambda.handler, {}, switches.GENERATOR_REFUSED_RECORDS),
    ],
)
def test_a_handler_without_its_switch_fails_before_doing_anything(
    monkeypatch, handler, event, variable
):
    monkeypatch.delenv(variable, raising=False)
    with pytest.raises(SettingsError, match=f"{variable} is not set"):
        invoke(handler, event)


@pytest.mark.parametrize("stage", list(Stage))
def test_the_stage_table_gives_each_function_its_switches_with_allowed_values(stage):
    given = SWITCHES[stage]
    expected: dict[FunctionId, set[str]] = {function: set() for function in given}
    for variable, (function, _) in READERS.items():
        expected.setdefault(function, set()).add(variable)
    assert {function: set(variables) for function, variables in given.items()} == expected
    for variables in given.values():
        for variable, value in variables.items():
            allowed = {member.value for member in switches.SWITCHES[variable]}
            assert value in allowed, f"{stage}: {variable}={value!r} not in {sorted(allowed)}"
