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


class Meter:
    """Counts the billing units of every AWS call the function makes, through botocore's own
    event hooks, so function code is untouched. Only when asked: LEDA_METER names a module with
    `meter_call(service, operation, params, response)` and `Usage` (the benchmark's meter)."""

    def __init__(self, module_name: str) -> None:
        import boto3  # the function's own boto3, as on Lambda

        module = importlib.import_module(module_name)
        self._meter_call = module.meter_call
        self._empty = module.Usage
        self.usage = self._empty()
        boto3.setup_default_session()
        events = boto3.DEFAULT_SESSION.events  # type: ignore[union-attr]
        events.register("before-parameter-build.*.*", self._keep_params)
        events.register("after-call.*.*", self._count)

    def _keep_params(self, params: Any, model: Any, context: Any, **_: Any) -> None:
        context["leda_params"] = dict(params)

    def _count(self, parsed: Any, model: Any, context: Any, **_: Any) -> None:
        service = model.service_model.endpoint_prefix
        params = context.get("leda_params", {})
        self.usage = self.usage + self._meter_call(service, model.name, params, parsed)

    def take(self) -> dict[str, Any]:
        taken, self.usage = self.usage, self._empty()
        result: dict[str, Any] = taken.to_dict()
        return result


def main() -> None:
    code_path, handler_name = sys.argv[1], sys.argv[2]
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # The function's folders, first first: a lab workspace's modules over the artifact.
    sys.path[0:0] = code_path.split(os.pathsep)
    # IAM before the function's code, so no client escapes it; the variable is the runtime's,
    # not the function's, so it leaves the environment the function sees.
    iam = os.environ.pop("LEDA_IAM", None)
    if iam:
        from leda.iam.guard import Guard

        Guard.load(iam).install()
    # Injected failures (`leda local up --inject`), after IAM: a refused call is never sent.
    faults_settings = os.environ.pop("LEDA_FAULTS", None)
    faults = None
    if faults_settings:
        from leda.faults.hooks import FaultHooks

        faults = FaultHooks.from_json(faults_settings)
        faults.install()
    meter_module = os.environ.get("LEDA_METER")
    meter = Meter(meter_module) if meter_module else None
    module_name, _, function_name = handler_name.rpartition(".")
    handler = getattr(importlib.import_module(module_name), function_name)
    profile_dir = os.environ.pop("LEDA_WORKER_PROFILE", None)
    profiler = None
    if profile_dir:
        import cProfile

        profiler = cProfile.Profile()
    for line in sys.stdin:
        request = json.loads(line)
        if faults is not None:
            faults.invocation(request.get("faults"))
        if profiler is not None:
            profiler.enable()
        try:
            payload = handler(request["event"], Context(request))
            response = {"ok": True, "payload": payload}
        except Exception as error:  # the function's error, reported as Lambda reports it
            traceback.print_exc()
            response = {"ok": False, "errorType": type(error).__name__, "errorMessage": str(error)}
        if meter is not None:
            response["usage"] = meter.take()
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(
                os.path.join(str(profile_dir), f"{handler_name}.{os.getpid()}.prof")
            )
        protocol.write(json.dumps(response, default=str) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
