"""Tables printed to a log or a pipe keep their names whole; COLUMNS still decides."""

from __future__ import annotations

import pytest

from leda.cli.console import LOG_WIDTH, console


def test_off_a_terminal_tables_get_the_log_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert console().width == LOG_WIDTH  # pytest captures stdout: not a terminal
    assert console(stderr=True).width == LOG_WIDTH


def test_columns_set_by_the_user_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert console().width == 100
