from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.guide import build


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The guide built once per run with `mkdocs build --strict` (any warning fails it)."""
    folder = tmp_path_factory.mktemp("site")
    result = build(folder)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder
