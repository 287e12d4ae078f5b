"""What `sam local invoke` would hand each function, resolved by SAM CLI's own code.

Running the container needs Docker, which the test machine lacks; everything before it does
not. SAM's function provider reads template.yaml (Globals merged) and its runner resolves the
environment from the template and events/env.json: the same code paths `sam local invoke`
takes. This pins down that the sample-event tests run each artifact with what SAM would pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.sam import env_file
from tests.sam.project import ROOT, TEMPLATE

# SAM CLI's template validation calls deprecated jsonschema APIs: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def sam_runner(monkeypatch: pytest.MonkeyPatch, sam_scratch: Path, env_values) -> Any:
    monkeypatch.setenv("SAM_CLI_TELEMETRY", "0")
    monkeypatch.setenv("__SAM_CLI_APP_DIR", str(sam_scratch / "sam-app"))
    from samcli.commands.local.lib.local_lambda import (  # type: ignore[import-untyped]
        LocalLambdaRunner,
    )
    from samcli.lib.providers.sam_function_provider import (  # type: ignore[import-untyped]
        SamFunctionProvider,
    )
    from samcli.lib.providers.sam_stack_provider import (  # type: ignore[import-untyped]
        SamLocalStackProvider,
    )

    stacks, _ = SamLocalStackProvider.get_stacks(str(TEMPLATE))
    return LocalLambdaRunner(
        local_runtime=None,  # the container runtime: not needed to resolve a function
        function_provider=SamFunctionProvider(stacks),
        cwd=str(ROOT),
        real_path=str(ROOT),
        env_vars_values=env_values,
    )


def test_sam_sees_the_functions_the_template_reader_sees(sam_runner, sam_functions):
    seen = {
        function.name: (
            function.handler,
            function.runtime,
            function.memory,
            function.timeout,
            function.metadata.get("BuildMethod"),
        )
        for function in sam_runner.provider.get_all()
    }
    assert seen == {
        f.logical_id: (f.handler, f.runtime, f.memory_mb, f.timeout_seconds, f.build_method)
        for f in sam_functions.values()
    }


@pytest.mark.parametrize(
    "logical_id",
    ["GeneratorLambda", "StateLambda", "MapLambda", "ReduceLambda", "ReminderLambda"],
)
def test_sam_passes_env_json_values_to_the_function(
    sam_runner, sam_functions, env_values, logical_id
):
    resolved = sam_runner._make_env_vars(sam_runner.provider.get(logical_id)).resolve()
    declared = {name: resolved[name] for name in sam_functions[logical_id].all_variables}
    assert declared == env_file.for_function(env_values, logical_id)
