"""`leda local invoke`: sam local invoke's job without Docker, permissions enforced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stacks.project import PROJECT_ROOT
from tests.support.served import client_for, serving

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

LEDA = str(Path(sys.executable).parent / "leda")
EVENTS = PROJECT_ROOT / "events"


def _invoke(function: str, event: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LEDA, "local", "invoke", function, "-e", str(EVENTS / event), *extra],
        capture_output=True,
        text=True,
        timeout=180,
    )


SAMPLE = ("--participant", "leda-local", "--env-vars", str(EVENTS / "env.json"))


@pytest.mark.parametrize(
    ("function", "event", "expected"),
    [
        (
            "StateLambda",
            "state_lambda/kinesis-batch.json",
            {
                "records": 6,
                "inserted": 4,
                "updated": 0,
                "ignored": 1,
                "dead_lettered": 1,
                "stale": 0,
            },
        ),
        (
            "MapLambda",
            "map_lambda/state-stream.json",
            {"records": 3, "written": True, "dead_lettered": 0},
        ),
        (
            "ReduceLambda",
            "reduce_lambda/reduce-stream.json",
            {"records": 2, "keys": 10, "applied": True, "dead_lettered": 0},
        ),
        (
            "GeneratorLambda",
            "generator_lambda/scheduled.json",
            {"sent": 20, "accepted": 20, "correct": False, "score": 0},
        ),
        ("ReminderLambda", "reminder_lambda/insert.json", {"batchItemFailures": []}),
        ("ReminderLambda", "reminder_lambda/modify-time.json", {"batchItemFailures": []}),
        ("ReminderLambda", "reminder_lambda/modify-other.json", {"batchItemFailures": []}),
        ("ReminderLambda", "reminder_lambda/remove.json", {"batchItemFailures": []}),
        ("ReminderLambda", "reminder_lambda/malformed.json", {"batchItemFailures": []}),
    ],
)
def test_each_sample_event_gives_what_the_readme_documents(function, event, expected):
    result = _invoke(function, event, *SAMPLE)
    assert result.returncode == 0, result.stderr[-2000:]
    returned = json.loads(result.stdout)
    assert {key: returned[key] for key in expected} == expected
    lines = result.stderr.splitlines()
    assert any(line.startswith("START RequestId: ") for line in lines)
    assert any(line.startswith("REPORT RequestId: ") and "Duration: " in line for line in lines)


def test_reduce_sample_under_broken_is_refused_with_access_denied():
    result = _invoke("ReduceLambda", "reduce_lambda/reduce-stream.json", "--stage", "broken")
    assert result.returncode == 1
    error = json.loads(result.stdout)
    assert error["errorType"] == "ClientError"
    assert "(AccessDeniedException)" in error["errorMessage"]
    assert (
        "is not authorized to perform: dynamodb:UpdateItem on resource: "
        "arn:aws:dynamodb:us-east-1:123456789012:table/leda-dev-AggregateTable"
    ) in error["errorMessage"]


def test_no_iam_lets_it_through_and_says_so():
    result = _invoke(
        "ReduceLambda", "reduce_lambda/reduce-stream.json", "--stage", "broken", "--no-iam"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "IAM checks are off (--no-iam)" in result.stderr
    assert json.loads(result.stdout)["applied"] is True


def test_a_function_the_stack_lacks_is_one_line():
    result = _invoke("NoSuchLambda", "reduce_lambda/reduce-stream.json")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("Error: the stack declares no function NoSuchLambda; allowed: GeneratorLambda")
    )


def test_invoke_uses_a_running_serve_of_the_same_stack(tmp_path):
    fresh_enough = tmp_path / "env.json"  # the sample's trades are from 2026-01-01
    fresh_enough.write_text(json.dumps({"StateLambda": {"MAX_MESSAGE_AGE_SECONDS": "0"}}))
    with serving("--stage", "hardened", "--participant", "inv-team") as (serve, description):
        result = _invoke(
            "StateLambda",
            "state_lambda/kinesis-batch.json",
            "--stage",
            "hardened",
            "--participant",
            "inv-team",
            "--env-vars",
            str(fresh_enough),
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"using leda local serve (pid {serve.pid}) for inv-team" in result.stderr
        dynamodb = client_for(description, "dynamodb")
        items = dynamodb.scan(TableName="inv-team-StateTable", Select="COUNT")["Count"]
    assert json.loads(result.stdout)["records"] == 6
    assert items == 4  # the four trades, in the serve's own StateTable
