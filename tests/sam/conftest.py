"""The SAM tier: `sam build` once per session, artifacts run in a clean interpreter.

Tests marked `sam_build` need the build (about 10 s, no container); select or skip them with
`-m sam_build` / `-m "not sam_build"`.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from leda.cloud.credentials import LOCAL_CREDENTIALS, local_client
from tests.sam import env_file, template, tools
from tests.sam.artifacts import Invocation, lambda_runtime_libraries, run_handler
from tests.sam.project import ENV_FILE, TEMPLATE
from tests.sam.template import SamFunction


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sam_build: needs `sam build` of template.yaml (once per session, ~10 s)"
    )


@pytest.fixture(scope="session")
def sam_functions() -> dict[str, SamFunction]:
    return template.functions(template.load(TEMPLATE))


@pytest.fixture(scope="session")
def env_values() -> env_file.EnvFile:
    return env_file.load(ENV_FILE)


@pytest.fixture(scope="session")
def sam_scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sam-scratch")


@pytest.fixture(scope="session")
def sam_build_run(
    tmp_path_factory: pytest.TempPathFactory, sam_scratch: Path
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    build_dir = tmp_path_factory.mktemp("sam-build") / "build"
    return build_dir, tools.sam_build(build_dir, sam_scratch)


@pytest.fixture(scope="session")
def build_dir(sam_build_run: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    """The folder `sam build` wrote, one artifact per LogicalId; fails if the build did."""
    folder, process = sam_build_run
    if process.returncode != 0:
        pytest.fail(f"sam build failed:\n{tools.output(process)}")
    return folder


@pytest.fixture(scope="session")
def runtime_libraries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lambda_runtime_libraries(tmp_path_factory.mktemp("lambda-runtime"))


InvokeArtifact = Callable[..., Invocation]


@pytest.fixture
def invoke_artifact(
    build_dir: Path,
    runtime_libraries: Path,
    sam_functions: dict[str, SamFunction],
    tmp_path: Path,
) -> InvokeArtifact:
    """`invoke_artifact("StateLambda", event_path, env)`: the built handler, run as Lambda would.

    Every variable given must be one the template declares for the function: SAM passes
    nothing else, so a test cannot rely on a variable `sam local invoke` would drop.
    """
    calls = itertools.count()

    def invoke(
        logical_id: str, event_path: Path | None, environment: Mapping[str, str]
    ) -> Invocation:
        function = sam_functions[logical_id]
        undeclared = set(environment) - function.all_variables
        assert not undeclared, f"{logical_id} does not declare {sorted(undeclared)}"
        return run_handler(
            build_dir / logical_id,
            runtime_libraries,
            function.handler,
            tmp_path / f"invocation-{next(calls)}",
            event_path=event_path,
            environment={**LOCAL_CREDENTIALS, **environment},  # SAM passes the shell's credentials
        )

    return invoke


@pytest.fixture
def local_endpoints(dynamodb_endpoint: str, moto_endpoint: str) -> dict[str, str]:
    """env.json's endpoints, moved from the container's view of the host to the emulators."""
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "AWS_ENDPOINT_URL_KINESIS": moto_endpoint,
        "AWS_ENDPOINT_URL_SQS": moto_endpoint,
        "AWS_ENDPOINT_URL_SCHEDULER": moto_endpoint,
    }


@pytest.fixture
def scheduler(moto_endpoint: str) -> Any:
    """moto's EventBridge Scheduler, where ReminderLambda's schedules land."""
    return local_client("scheduler", moto_endpoint)
