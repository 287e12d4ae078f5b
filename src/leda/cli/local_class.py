"""`leda local class`: an instructor's rehearsal, N participants on one local cloud."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from leda.classroom.offline import ClassError, OfflineClass, seats
from leda.classroom.scoreboard import Scoreboard, board_table, serve
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
    with (
        reported(out),
        out.status("starting") as status,
        LocalCloud(progress=status.update) as cloud,
    ):
        rehearsal = OfflineClass(cloud, class_seats, game)
        board = Scoreboard(rehearsal)
        if serve_port is not None:
            try:
                served = serve(board, serve_port, every=1.0)
            except OSError as error:
                raise fail(f"--serve {serve_port}: {error.strerror}; choose a free port") from None
            out.print(f"scoreboard on http://127.0.0.1:{serve_port}/")
        try:
            played = rehearsal.play(progress=status.update)
        finally:
            if served is not None:
                served.close()  # its refresher joined: the final refresh below is the last
        board.refresh()
    if as_json:
        print(json.dumps({"participants": [p.to_json() for p in played]}, indent=2, default=str))
    else:
        out.print(board_table(board.rows()))
    if any(p.error for p in played):
        raise typer.Exit(code=1)
