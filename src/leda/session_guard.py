"""How the commands that start a LocalSession end it, whatever happens inside.

Everything the session started is stopped on any way out; a problem the user can fix is one
line and exit code 1, Ctrl-C is exit code 130, anything else keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from leda.cli.errors import fail
from leda.cloud.process import EmulatorError
from leda.deployment.plan import PlanError
from leda.runtime.session import LocalSession, SessionError


@contextmanager
def stopped_on_error(session: LocalSession, out: Console) -> Iterator[None]:
    try:
        yield
    except (SessionError, EmulatorError, PlanError) as error:
        session.stop()
        raise fail(error) from None
    except KeyboardInterrupt:
        session.stop()
        out.print("stopped; every process started was stopped")
        raise typer.Exit(code=130) from None
    except BaseException:
        session.stop()
        raise
