"""Injected failures in a function's own process, through botocore's event hooks.

The worker installs these after the IAM guard and before the function's code (workers/worker.py),
from the settings a FaultPlan gives that function (leda.faults.plan). Each one makes a call
answer as the service does under that failure, so the function's code is untouched and meets
what it would meet on AWS:

- refused PutRecords entries are taken out of the request before it is sent (so they never
  reach the stream) and put back into the answer as failed entries, with the error code and
  message Kinesis gives a throttled entry, and FailedRecordCount counting them;
- a throttled call is answered ProvisionedThroughputExceededException without being sent: the
  state after the SDK's own retries have run out (they would have met the same throttling);
  an outage throttles every such call until a given time, then none;
- a delivery the runtime marks as late (after the token window) has its ClientRequestToken
  removed, which is what DynamoDB's forgetting it after 10 minutes amounts to.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from leda.workers.service_errors import error_response

VARIABLE = "LEDA_FAULTS"
_REFUSED = "leda_faults_refused"
THROTTLED = "ProvisionedThroughputExceededException"


class FaultHooks:
    def __init__(self, settings: Mapping[str, Any], rng: random.Random | None = None) -> None:
        self._refuse_share = float(settings.get("refuse_put_records", 0))
        throttle = settings.get("throttle") or {}
        self._throttled_operations = frozenset(throttle.get("operations", ()))
        self._throttle_share = float(throttle.get("share", 0))
        # An outage: throttled until this epoch second, then nothing (None: for the whole run).
        until = throttle.get("until")
        self._throttle_until = None if until is None else float(until)
        self._forget_tokens = bool(settings.get("forget_tokens_on_replay"))
        seed = settings.get("seed")  # the deployment's --seed, for this function
        self._rng = rng or (random.Random() if seed is None else random.Random(str(seed)))
        self.late = False  # the current invocation is a delivery after the token window
        self.counts = {"refused_entries": 0, "throttled_calls": 0, "forgotten_tokens": 0}

    @classmethod
    def from_json(cls, text: str) -> FaultHooks:
        return cls(json.loads(text))

    def invocation(self, flags: Mapping[str, Any] | None) -> None:
        """The runtime's flags for the invocation about to run."""
        self.late = bool((flags or {}).get("late"))

    def install(self) -> Callable[[], None]:
        """On every client the process creates from now on (as the IAM guard does); returns
        the undo (for tests: a worker keeps its hooks for life)."""
        import botocore.session

        hooks = self
        original = botocore.session.Session.create_client

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            events = client.meta.events
            if hooks._refuse_share:
                events.register("before-parameter-build.kinesis.PutRecords", hooks._refuse)
                events.register("after-call.kinesis.PutRecords", hooks._report_refused)
            if hooks._throttled_operations:
                events.register("before-call.dynamodb.*", hooks._throttle)
            if hooks._forget_tokens:
                events.register(
                    "before-parameter-build.dynamodb.TransactWriteItems", hooks._forget_token
                )
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]

        def undo() -> None:
            botocore.session.Session.create_client = original  # type: ignore[method-assign]

        return undo

    # -- Kinesis: a share of PutRecords entries refused --------------------------------------
    def _refuse(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        records = list(params.get("Records") or [])
        refused = [i for i in range(len(records)) if self._rng.random() < self._refuse_share]
        if len(refused) == len(records):
            refused = refused[:-1]  # PutRecords needs one entry; the last one goes through
        if not refused:
            return
        skip = set(refused)
        params["Records"] = [record for i, record in enumerate(records) if i not in skip]
        context[_REFUSED] = (refused, len(records), params.get("StreamName", ""))

    def _report_refused(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        taken = context.pop(_REFUSED, None)
        if taken is None or "Records" not in parsed:
            return
        refused, total, stream = taken
        sent = iter(parsed["Records"])
        failed = {
            "ErrorCode": THROTTLED,
            "ErrorMessage": f"Rate exceeded for shard in stream {stream} (injected).",
        }
        skip = set(refused)
        parsed["Records"] = [dict(failed) if i in skip else next(sent) for i in range(total)]
        parsed["FailedRecordCount"] = int(parsed.get("FailedRecordCount") or 0) + len(refused)
        self.counts["refused_entries"] += len(refused)

    # -- DynamoDB: a share of writes throttled -----------------------------------------------
    def _throttle(self, model: Any, **_: Any) -> Any:
        if model.name not in self._throttled_operations:
            return None
        if self._throttle_until is not None and time.time() >= self._throttle_until:
            return None
        if self._rng.random() >= self._throttle_share:
            return None
        self.counts["throttled_calls"] += 1
        return error_response(
            THROTTLED,
            "The level of configured provisioned throughput for the table was exceeded "
            "(injected, after the SDK's retries).",
            400,
        )

    # -- DynamoDB: the token forgotten on a late delivery ------------------------------------
    def _forget_token(self, params: dict[str, Any], **_: Any) -> None:
        if self.late and params.pop("ClientRequestToken", None) is not None:
            self.counts["forgotten_tokens"] += 1
