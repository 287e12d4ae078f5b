"""One warm "container": imports a handler once and serves invocations over a pipe.

Runs as a script under `python -I`, so it imports nothing of the runtime and nothing but the
function's own code directory and the interpreter's libraries. Requests arrive as JSON lines on
stdin; responses leave on the original stdout, which is moved aside first so the function's own
prints and logs (Powertools writes to stdout) go to stderr, the function's log.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class Context:
    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "function")
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.invoked_function_arn = request.get("functionArn", "")
        self.aws_request_id = request.get("requestId", "")
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = float(request.get("deadline", time.time() + 3))

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def main() -> None:
    code_dir, handler_name = sys.argv[1], sys.argv[2]
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.path.insert(0, code_dir)
    module_name, _, function_name = handler_name.rpartition(".")
    handler = getattr(importlib.import_module(module_name), function_name)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            payload = handler(request["event"], Context(request))
            response = {"ok": True, "payload": payload}
        except Exception as error:  # the function's error, reported as Lambda reports it
            traceback.print_exc()
            response = {"ok": False, "errorType": type(error).__name__, "errorMessage": str(error)}
        protocol.write(json.dumps(response, default=str) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
