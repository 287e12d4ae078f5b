"""The process function workers are forked from: boto3 and the worker's own modules imported
once, then one fork per sandbox.

A worker started with `python -I worker.py` spends most of its start importing boto3 (about
40 MB and a few hundred milliseconds of CPU here); forked from this warmed parent it starts in a
few milliseconds and shares those pages with every other worker until one writes them (the
imported objects are frozen out of the garbage collector's reach so that it does not).

Nothing of a function is loaded here: each child takes its own environment, its own standard
streams and session, then imports the function's code itself, as a fresh sandbox does. Only
libraries are shared; no client, session or socket exists before a fork.

Protocol, on a SOCK_SEQPACKET Unix socket (fd in argv[1]): once loaded, the zygote sends
`{"preloaded": [top-level module names]}`; the runtime sends `{"id", "argv": [code_path,
handler], "env"}` with three descriptors (stdin, stdout, stderr) and gets `{"id", "pid"}` (or
`{"id", "error"}` when that fork failed); when a child exits, `{"exited": pid, "code"}` (a
signal as -N, as subprocess reports it). The zygote exits when the runtime closes the socket,
and dies with the thread that started it (its children die with it in turn).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import socket
import sys
import traceback
from typing import Any

MAX_MESSAGE = 1 << 20
REAP_SECONDS = 0.05

# What every worker imports before a function's code: the SDK and the runtime's own hooks.
PRELOAD = (
    "boto3",
    "boto3.session",
    "botocore.session",
    "botocore.client",
    "botocore.endpoint",
    "botocore.httpsession",
    "botocore.parsers",
    "botocore.serialize",
    "botocore.auth",
    "botocore.regions",
    "botocore.endpoint_provider",
    "botocore.retries.standard",
    "leda.iam.guard",
    "leda.faults.hooks",
    "leda.bench.meter",
    "leda.workers.worker",
    "leda.cloud.process",
)


# The services the project's functions call: their models are parsed here once.
SDK_SERVICES = ("dynamodb", "dynamodbstreams", "kinesis", "sqs", "scheduler", "ses", "sts")


def _share_sdk_data() -> None:
    """Parse the SDK's data files (service models, endpoint rules, partitions) once, here.

    botocore parses them again for every new session, and a worker's first client costs a few
    hundred milliseconds of CPU and some megabytes for it. A memo keyed by file path, filled
    by building each service's client once and then dropping it, lets every fork reuse the
    parsed objects (the same data, read-only but for botocore's idempotent merge of a model's
    extras, which would only copy that page in the child that does it).
    """
    from botocore import loaders

    memo: dict[str, Any] = {}
    read = loaders.JSONFileLoader.load_file

    def load_file(self: Any, file_path: str) -> Any:
        if file_path not in memo:
            memo[file_path] = read(self, file_path)
        return memo[file_path]

    loaders.JSONFileLoader.load_file = load_file  # type: ignore[method-assign]
    import boto3.session

    session = boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="preload", aws_secret_access_key="preload"
    )
    make_client: Any = session.client
    for service in SDK_SERVICES:
        make_client(service)  # no request is made; the client and session are dropped
    del session
    gc.collect()


def _exit_code(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _reap(channel: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        channel.send(json.dumps({"exited": pid, "code": _exit_code(status)}).encode())


def _child(request: dict[str, Any], fds: list[int], channel: socket.socket, zygote: int) -> None:
    """In the forked child: become the function's sandbox, run the worker, never return."""
    code = 1
    try:
        channel.close()
        os.setsid()
        from leda.cloud.process import die_with_parent

        die_with_parent()
        if os.getppid() != zygote:
            os._exit(1)  # the zygote died before the parent-death signal was set: nobody waits
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        gc.enable()
        sys.argv = ["worker.py", *request["argv"]]
        from leda.workers import worker

        worker.main()
        code = 0
    except SystemExit as leaving:  # as the interpreter ends a script that raised it
        if leaving.code is None or isinstance(leaving.code, int):
            code = leaving.code or 0
        else:
            print(leaving.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed log: nothing left to say
                stream.flush()
        os._exit(code)


def serve(channel: socket.socket) -> None:
    zygote = os.getpid()
    while True:
        ready, _, _ = select.select([channel], [], [], REAP_SECONDS)
        _reap(channel)
        if not ready:
            continue
        message, fds, _flags, _address = socket.recv_fds(channel, MAX_MESSAGE, 3)
        if not message:
            return  # the runtime closed its end
        reply: dict[str, Any] = {"id": None}
        try:
            request = json.loads(message)
            reply["id"] = request["id"]
            pid = os.fork()
            if pid == 0:
                _child(request, fds, channel, zygote)
            reply["pid"] = pid
        except (OSError, ValueError, KeyError) as error:  # this request only: say so, go on
            reply["error"] = repr(error)
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
        channel.send(json.dumps(reply).encode())


def preloaded_names() -> list[str]:
    """Top-level names of every module imported here: a function shipping its own copy of one
    would run the zygote's instead, so it must be started fresh (forked.Zygote.shadows)."""
    return sorted({name.split(".")[0] for name in sys.modules if not name.startswith("_")})


def main() -> None:
    channel = socket.socket(fileno=int(sys.argv[1]))
    gc.disable()
    for module in PRELOAD:
        __import__(module)
    _share_sdk_data()
    gc.freeze()  # what is imported now stays out of the collector's reach: pages stay shared
    channel.send(json.dumps({"preloaded": preloaded_names()}).encode())
    # The runtime going away ends it; the children follow by their parent-death signal.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        serve(channel)


if __name__ == "__main__":
    main()
