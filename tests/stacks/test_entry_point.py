"""`stacks/__main__.py` runs as Pulumi runs it: a fresh interpreter with only `stacks/` on the
path (runpy on the directory), config from the environment, the engine replaced by mocks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from stacks.project import PROJECT_ROOT

ROOT = PROJECT_ROOT

SCRIPT = """
import runpy, sys
import pulumi

declared = []

class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        declared.append(f"declared {args.typ} {args.name}")
        arn = "arn:aws:x:us-east-1:1:" + args.name
        if args.typ == "aws:scheduler/scheduleGroup:ScheduleGroup":  # the policies parse it
            arn = "arn:aws:scheduler:us-east-1:1:schedule-group/" + args.inputs["name"]
        return args.name, {**args.inputs, "arn": arn}
    def call(self, args):
        return {}, None

pulumi.runtime.set_mocks(Mocks(), project="leda", stack="dev", preview=False)
try:
    pulumi.runtime.test(lambda: runpy.run_path(sys.argv[1], run_name="__main__"))()
    print(*declared, sep=chr(10))
except pulumi.RunError as error:
    print("RunError:", error)
    sys.exit(32)
"""


def _run_entry_point(config: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment["PULUMI_CONFIG"] = json.dumps(config)
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT / "stacks")],
        cwd=tmp_path,  # nothing of the project importable from here
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_entry_point_declares_the_stack(artifacts_dir: Path, tmp_path: Path) -> None:
    config = {
        "leda:stage": "wired",
        "aws:region": "us-east-1",
        "leda:senderEmail": "reminders@example.com",
        "leda:artifactsDir": str(artifacts_dir),
    }
    result = _run_entry_point(config, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "declared aws:lambda/eventSourceMapping:EventSourceMapping leda-dev-StateLambdaTrigger"
        in (result.stdout)
    )
    assert (
        "declared aws:lambda/eventSourceMapping:EventSourceMapping leda-dev-ReminderLambdaTrigger"
        in (result.stdout)
    )


def test_entry_point_stops_with_the_sam_build_message(tmp_path: Path) -> None:
    config = {
        "leda:stage": "wired",
        "aws:region": "us-east-1",
        "leda:senderEmail": "reminders@example.com",
        "leda:artifactsDir": str(tmp_path / "not-built"),
    }
    result = _run_entry_point(config, tmp_path)
    assert result.returncode == 32, result.stderr
    assert "RunError: function artifacts not found" in result.stdout
    assert "run `sam build`" in result.stdout
    assert "declared" not in result.stdout
