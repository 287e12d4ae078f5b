"""How every `leda` command reports a problem the user can fix: one line, exit code 1."""

from __future__ import annotations

import typer
from rich.console import Console


def fail(error: object) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]Error:[/bold red] {error}", soft_wrap=True)
    return typer.Exit(code=1)
