"""A small function for testing trigger semantics, steered by its environment.

Every invocation appends one JSON line to PROBE_LOG: the records' payloads, sequence numbers,
process ID, start and end times and request ID (with PROBE_KEEP_EVENTS, the whole event too).
It runs in the runtime's worker processes, so it may import only the standard library.
"""

import base64
import json
import os
import time


def _payloads(event):
    out = []
    for record in event["Records"]:
        if "kinesis" in record:
            out.append(base64.b64decode(record["kinesis"]["data"]).decode())
        else:
            keys = record["dynamodb"]["Keys"]
            out.append(keys["pk"]["S"] if "pk" in keys else json.dumps(keys, sort_keys=True))
    return out


def _sequences(event):
    return [
        r["kinesis"]["sequenceNumber"] if "kinesis" in r else r["dynamodb"]["SequenceNumber"]
        for r in event["Records"]
    ]


def _count(name):
    path = os.environ["PROBE_LOG"] + "." + name
    n = 1
    if os.path.exists(path):
        with open(path) as f:
            n = int(f.read()) + 1
    with open(path, "w") as f:
        f.write(str(n))
    return n


def handler(event, context):
    started = time.time()
    payloads, sequences = _payloads(event), _sequences(event)
    attempt = _count("attempts")
    outcome = "ok"
    result = None
    try:
        if attempt <= int(os.environ.get("PROBE_SLOW_TIMES", "0")):
            time.sleep(float(os.environ.get("PROBE_SLEEP", "0")))
        elif os.environ.get("PROBE_SLEEP_ALWAYS"):
            time.sleep(float(os.environ["PROBE_SLEEP_ALWAYS"]))
        crash = os.environ.get("PROBE_CRASH_WHEN_CONTAINS")
        if crash and crash in payloads:
            outcome = "crash"
            os._exit(3)
        if attempt <= int(os.environ.get("PROBE_FAIL_TIMES", "0")):
            outcome = "error"
            raise RuntimeError(f"failing attempt {attempt} on purpose")
        poison = os.environ.get("PROBE_FAIL_WHEN_CONTAINS")
        if poison and poison in payloads:
            outcome = "error"
            raise RuntimeError(f"poison record {poison}")
        report = os.environ.get("PROBE_REPORT_FAILURE_ON")
        if report and report in payloads and _count("reported") <= 1:
            outcome = "partial"
            identifier = sequences[payloads.index(report)]
            if os.environ.get("PROBE_REPORT_INVALID"):
                identifier = "not-a-sequence-number"
            result = {"batchItemFailures": [{"itemIdentifier": identifier}]}
        return result
    finally:
        with open(os.environ["PROBE_LOG"], "a") as log:
            log.write(
                json.dumps(
                    {
                        "payloads": payloads,
                        "sequences": sequences,
                        "pid": os.getpid(),
                        "start": started,
                        "end": time.time(),
                        "outcome": outcome,
                        "requestId": context.aws_request_id,
                        # the event exactly as the function received it, when asked
                        **({"event": event} if os.environ.get("PROBE_KEEP_EVENTS") else {}),
                    }
                )
                + "\n"
            )
