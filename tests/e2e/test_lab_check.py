"""`leda lab check` judges a workspace by what its pipeline does: each step's answer turns
exactly that step green, and typical wrong answers are caught with the workshop's words.

Every case starts a new workspace from the handout and applies answers (`leda lab solution
--apply` does the same) or a wrong answer by hand; the checks run offline with IAM enforced,
each on a local cloud of its own.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from leda.cloud.local_cloud import LocalCloud
from leda.lab import workspace
from leda.lab.check import CheckOptions, StepResult, run_check
from leda.lab.steps import step

pytestmark = [pytest.mark.slow, pytest.mark.timed, pytest.mark.emulator]

_participants = itertools.count(1)


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    """A cloud per check: emulators that earlier deployments piled streams and tables into
    were seen to fall behind (tests/e2e/test_injected_failures.py)."""
    with LocalCloud() as fresh:
        yield fresh


def _workspace(tmp_path: Path, *answered: str) -> Path:
    folder = tmp_path / "ws"
    workspace.start(folder)
    for step_id in answered:
        workspace.apply_solution(folder, step(step_id))
    return folder


def _check(cloud: LocalCloud, folder: Path, *steps: str) -> dict[str, StepResult]:
    options = CheckOptions(
        workspace=folder,
        steps=steps,
        participant=f"lab{next(_participants)}",
        lab1_burst_size=200,
        interval=10,
        lab2_burst_size=400,
        lab2_interval=14,
    )
    return {result.step: result for result in run_check(options, cloud=cloud)}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def _statuses(results: dict[str, StepResult]) -> dict[str, str]:
    return {name: result.status for name, result in results.items()}


LAB1 = ("lab1-step1", "lab1-step2", "lab1-step3")
LAB2 = ("lab2-step1", "lab2-step2")


def test_lab_1_step_1_answered_turns_steps_1_and_2_green(cloud, tmp_path):
    results = _check(cloud, _workspace(tmp_path, "lab1-step1"), *LAB1)
    assert _statuses(results) == {"lab1-step1": "pass", "lab1-step2": "pass", "lab1-step3": "fail"}
    problems = " ".join(results["lab1-step3"].problems)
    assert "ReduceLambda has no trigger" in problems
    assert "AggregateTable stays empty" in problems


def test_lab_1_answered_leaves_lab_2_red(cloud, tmp_path):
    results = _check(cloud, _workspace(tmp_path, "lab1-step1", "lab1-step3"))
    assert _statuses(results) == {
        "lab1-step1": "pass",
        "lab1-step2": "pass",
        "lab1-step3": "pass",
        "lab2-step1": "fail",
        "lab2-step2": "fail",
    }
    assert 'never says "Conditional put failed"' in " ".join(results["lab2-step1"].problems)


def test_lab_2_step_1_answered_turns_only_it_green(cloud, tmp_path):
    results = _check(cloud, _workspace(tmp_path, "lab1-step1", "lab1-step3", "lab2-step1"), *LAB2)
    assert _statuses(results) == {"lab2-step1": "pass", "lab2-step2": "fail"}
    assert "counted twice" in " ".join(results["lab2-step2"].problems)


def test_every_answer_passes_the_whole_lab(cloud, tmp_path):
    folder = _workspace(tmp_path, "lab1-step1", "lab1-step3", "lab2-step1", "lab2-step2")
    results = _check(cloud, folder, *LAB2)
    assert _statuses(results) == {"lab2-step1": "pass", "lab2-step2": "pass"}


def test_lab_1_wrong_answers_are_named(cloud, tmp_path):
    """Batch size 10 instead of 100; concurrency not reserved; only GetRecords granted."""
    folder = _workspace(tmp_path, "lab1-step1", "lab1-step3")
    settings = folder / "lab.yaml"
    _edit(settings, "  batchSize: 100\n", "  batchSize: 10\n")
    _edit(settings, "ReduceLambdaReservedConcurrency: 1", "ReduceLambdaReservedConcurrency: null")
    _edit(
        settings,
        "      - dynamodb:DescribeStream\n      - dynamodb:GetRecords\n"
        "      - dynamodb:GetShardIterator\n      - dynamodb:ListStreams\n",
        "      - dynamodb:GetRecords\n",
    )
    results = _check(cloud, folder, *LAB1)
    assert _statuses(results) == {"lab1-step1": "fail", "lab1-step2": "pass", "lab1-step3": "fail"}
    assert (
        "the StateLambda trigger's batch size is 10; the workshop's is 100"
        in results["lab1-step1"].problems
    )
    problems = " ".join(results["lab1-step3"].problems)
    assert "ReduceLambda's reserved concurrency is not reserved; reserve 1" in problems
    assert "the trigger was refused: Cannot access stream" in problems
    assert "grant dynamodb:DescribeStream, dynamodb:GetShardIterator, dynamodb:ListStreams" in (
        problems
    )


def test_update_item_on_the_wrong_table_is_an_access_denied_transaction(cloud, tmp_path):
    folder = _workspace(tmp_path, "lab1-step1", "lab1-step3")
    settings = folder / "lab.yaml"
    _edit(settings, "    Resource: table/AggregateTable", "    Resource: table/StateTable")
    results = _check(cloud, folder, "lab1-step3")
    assert results["lab1-step3"].status == "fail"
    problems = " ".join(results["lab1-step3"].problems)
    assert "ReduceLambda's transaction is refused (AccessDenied)" in problems
    assert "table/lab" in problems and "AggregateTable" in problems


def test_a_condition_without_attribute_not_exists_loses_every_new_trade(cloud, tmp_path):
    folder = _workspace(tmp_path, "lab1-step1", "lab1-step3", "lab2-step1", "lab2-step2")
    _edit(
        folder / "functions/state_lambda.py",
        'f"attribute_not_exists({constants.STATE_TABLE_KEY}) OR "\n',
        "",
    )
    results = _check(cloud, folder, "lab2-step1")
    assert results["lab2-step1"].status == "fail"
    assert "keep attribute_not_exists(id) in it" in " ".join(results["lab2-step1"].problems)


def test_a_token_that_changes_between_retries_counts_batches_twice(cloud, tmp_path):
    folder = _workspace(tmp_path, "lab1-step1", "lab1-step3", "lab2-step1", "lab2-step2")
    _edit(
        folder / "functions/reduce_lambda.py",
        "hashlib.md5(json.dumps(records, sort_keys=True).encode()).hexdigest()",
        "hashlib.md5(str(random.random()).encode()).hexdigest()",
    )
    results = _check(cloud, folder, "lab2-step2")
    assert results["lab2-step2"].status == "fail"
    assert "not the time or a random value" in " ".join(results["lab2-step2"].problems)


# Lab 2, step 1 as the workshop's page has participants write it: its names, its condition
# built from `constants` (no space before `<`), its print of each field. Pasted between the
# markers, it must run and be allowed by the policy lab 1 leaves StateLambda (the same as the
# fault-tolerant stage's: tests/stacks/test_lab_stage.py, tests/stacks/test_cli.py).
CONDITION = (
    "'attribute_not_exists(' + constants.STATE_TABLE_KEY + ') OR ' + "
    "constants.VERSION_COLUMN_NAME + '< :new_version'"
)
WORKSHOP_SNIPPET = """\
        try:
            table.update_item(
                Key = {
                    constants.STATE_TABLE_KEY: record_id
                    },
                ConditionExpression = CONDITION,
                UpdateExpression = 'SET  #VALUE     = :new_value,' + \\
                                        '#VERSION   = :new_version,' + \\
                                        '#HIERARCHY = :new_hierarchy,' + \\
                                        '#TIMESTAMP = :new_time',
                ExpressionAttributeNames={
                    '#VALUE':       constants.VALUE_COLUMN_NAME,
                    '#VERSION':     constants.VERSION_COLUMN_NAME,
                    '#HIERARCHY':   constants.HIERARCHY_COLUMN_NAME,
                    '#TIMESTAMP':   constants.TIMESTAMP_COLUMN_NAME
                    },
                ExpressionAttributeValues={
                    ':new_version':     record_version,
                    ':new_value':       Decimal(str(record_value)),
                    ':new_hierarchy':   json.dumps(record_hierarchy, sort_keys = True),
                    ':new_time':        Decimal(str(record_time))
                    }
                )
        except ClientError as e:
            if e.response['Error']['Code']=='ConditionalCheckFailedException':
                print('Conditional put failed.' + \\
                    ' This is either a duplicate or a more recent version already arrived.')
                print('Id: ',           record_id)
                print('Hierarchy: ',    record_hierarchy)
                print('Value: ',        record_value)
                print('Version: ',      record_version)
                print('Timestamp: ',    record_time)
            else:
                raise e
"""


def test_the_workshops_own_snippet_pasted_in_passes_lab_2_step_1(cloud, tmp_path):
    folder = _workspace(tmp_path, "lab1-step1", "lab1-step3")
    state = folder / "functions/state_lambda.py"
    region = step("lab2-step1").regions[0]
    snippet = WORKSHOP_SNIPPET.replace("CONDITION", CONDITION)
    state.write_text(workspace.with_region(state.read_text(), region, snippet, "ws"))
    results = _check(cloud, folder, "lab2-step1")
    assert results["lab2-step1"].status == "pass", results["lab2-step1"].problems


def test_an_uncaught_refusal_is_named_not_blamed_on_the_condition(cloud, tmp_path):
    """The workshop's condition without its try/except: ConditionalCheckFailedException fails
    each batch it is raised in, and the trades behind it never arrive; the check must say that,
    not that the condition lacks attribute_not_exists (it has it)."""
    folder = _workspace(tmp_path, "lab1-step1", "lab1-step3")
    state = folder / "functions/state_lambda.py"
    region = step("lab2-step1").regions[0]
    call = WORKSHOP_SNIPPET.split("        except ClientError")[0].replace("        try:\n", "")
    uncaught = textwrap.indent(textwrap.dedent(call), " " * 8).replace("CONDITION", CONDITION)
    state.write_text(workspace.with_region(state.read_text(), region, uncaught, "ws"))
    results = _check(cloud, folder, "lab2-step1")
    result = results["lab2-step1"]
    assert result.status == "fail"
    problems = " ".join(result.problems)
    assert "times with ConditionalCheckFailedException" in problems
    assert "they wait behind the failing batches" in problems
    assert "keep attribute_not_exists(id) in it" not in problems
    assert any("ConditionalCheckFailedException" in line for line in result.seen)
