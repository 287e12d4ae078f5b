"""`leda local class`: an instructor's rehearsal, N participants on one local cloud."""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.live import Live

from leda.classroom.offline import ClassError, OfflineClass, Played, seats
from leda.classroom.scoreboard import Row, Scoreboard, board_table, serve
from leda.cli.console import console
from leda.cli.errors import fail, reported
from leda.cloud.local_cloud import LocalCloud
from leda.workshop.run import WorkshopError, WorkshopOptions


def local_class(
    participants: Annotated[
        int, typer.Option(min=1, max=50, help="Participants (class-1..N).")
    ] = 3,
    stages: Annotated[
        str,
        typer.Option(
            help="Stages given in turn, comma-separated: broken,wired,fault-tolerant,hardened."
        ),
    ] = "fault-tolerant",
    lab2: Annotated[bool, typer.Option("--lab2", help="Start every participant in lab 2.")] = False,
    bursts: Annotated[int, typer.Option(min=1, help="Bursts each participant plays.")] = 2,
    burst_size: Annotated[int, typer.Option(help="Messages per burst.")] = 1000,
    interval: Annotated[
        float | None,
        typer.Option(
            help="Seconds between bursts (default: the stack's rate(1 minute)); the generator "
            "checks after half of it, at most 30 s."
        ),
    ] = None,
    serve_port: Annotated[
        int | None,
        typer.Option("--serve", min=1, max=65535, help="Serve the scoreboard on 127.0.0.1:PORT."),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print each participant's stage, score and bursts as one object."
        ),
    ] = False,
) -> None:
    """
    Rehearse a class offline: every participant's stack on one local cloud, each with its own
    prefix and stage, playing at once; the scoreboard ranks them.
    """
    out = console(stderr=as_json)
    game = WorkshopOptions(lab2=lab2, bursts=bursts, burst_size=burst_size, interval=interval)
    try:
        class_seats = seats(participants, [s.strip() for s in stages.split(",") if s.strip()])
        game.validate()
    except (ClassError, WorkshopError) as error:
        raise fail(error) from None
    served = None
    with reported(out), ExitStack() as layers:
        with out.status("starting the local cloud") as status:
            cloud = layers.enter_context(LocalCloud(progress=status.update))
        rehearsal = OfflineClass(cloud, class_seats, game)
        board = Scoreboard(rehearsal)
        if serve_port is not None:
            try:
                served = serve(board, serve_port, every=1.0)
            except OSError as error:
                message = f"--serve {serve_port}: {error.strerror}; choose a free port"
                raise fail(message) from None
            out.print(f"scoreboard on http://127.0.0.1:{serve_port}/")
        try:
            played = _play(rehearsal, board, out, live=not as_json, shared=served is not None)
        finally:
            if served is not None:
                served.close()
    if as_json:
        print(json.dumps({"participants": [p.to_json() for p in played]}, indent=2, default=str))
    if any(p.error for p in played):
        raise typer.Exit(code=1)


def _play(
    rehearsal: OfflineClass, board: Scoreboard, out: Console, live: bool, shared: bool
) -> list[Played]:
    """The class played, its board shown as it goes (progress on stderr with --json). The
    last frame is the final board: off a terminal, the only one Rich prints."""
    if not live:
        with out.status("starting") as status:
            return rehearsal.play(progress=status.update)
    now = ["starting"]

    def frame(rows: list[Row]) -> Group:
        return Group(f"[dim]{now[0]}[/dim]", board_table(rows))

    with Live(console=out, refresh_per_second=2, transient=False) as screen:
        # The class is played on this thread (its stacks' programs run under Pulumi's mocks,
        # which need this thread's event loop); the board is redrawn from another.
        stop = threading.Event()

        def redraw() -> None:
            while not stop.wait(1.0):
                # A served board is refreshed by its own thread; reading it again here would
                # double the reads of every participant's table.
                screen.update(frame(board.rows() if shared else board.refresh()))

        drawing = threading.Thread(target=redraw, name="class-board", daemon=True)
        drawing.start()
        try:
            played = rehearsal.play(progress=lambda message: now.__setitem__(0, message))
        finally:
            stop.set()
            drawing.join()
        screen.update(board_table(board.refresh()))
    if not out.is_terminal:
        out.line()  # Rich ends its last frame without one off a terminal
    return played
