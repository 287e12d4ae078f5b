"""Run inside a clean interpreter (`python -I -S`): import a handler from a built artifact and,
given an event, invoke it once the way Lambda does; write what happened as JSON.

Standard library only, and nothing from the project: the artifact and the stand-in for the
Lambda runtime's libraries are the only things on sys.path, in that order, as /var/task comes
before /var/runtime on Lambda.

    python -I -S artifact_main.py <request.json> <result.json>

request: {"paths": [...], "handler": "module.function", "event_path": "..." or null}
result: {"ok", "result", "error_type", "error", "modules": {name: file}}
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any


class LambdaContext:
    function_name = "sam-artifact-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sam-artifact-test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/sam-artifact-test"
    log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def loaded_modules() -> dict[str, str]:
    return {
        name: str(getattr(module, "__file__", None))
        for name, module in sorted(sys.modules.items())
        if getattr(module, "__file__", None)
    }


def main(request_path: str, result_path: str) -> int:
    request: dict[str, Any] = json.loads(Path(request_path).read_text())
    sys.path[:0] = request["paths"]
    outcome: dict[str, Any] = {"ok": False, "result": None, "error_type": None, "error": None}
    try:
        module_name, function_name = request["handler"].rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), function_name)
        if not callable(handler):
            raise TypeError(f"{request['handler']} is not callable")
        if request.get("event_path"):
            event = json.loads(Path(request["event_path"]).read_text())
            outcome["result"] = handler(event, LambdaContext())
        outcome["ok"] = True
    except Exception as error:
        outcome["error_type"] = type(error).__name__
        outcome["error"] = "".join(traceback.format_exception(error))
    outcome["modules"] = loaded_modules()
    Path(result_path).write_text(json.dumps(outcome, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
