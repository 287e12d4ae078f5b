"""The class scoreboard: each participant's score read from their own ParameterTable, ranked,
and served as a page that updates itself.

The workshop's ParameterTable holds the score and nothing of its history, so the board keeps
what it saw: when a participant's score last went up (time since the last point) and by how
much (the last burst's result: +100 is a correct burst). A participant whose table cannot be
read keeps their row, saying why; the board goes on.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

LAB2_SCORE = 300  # the generator switches a participant to lab 2 here


@dataclass(frozen=True)
class Reading:
    """What one read of a participant's stack gives."""

    stage: str
    score: int
    last_burst: str | None = None  # the burst's own result, where the source knows it
    lab: str | None = None  # where the source knows it (a game started in lab 2); else by score


class NotStarted(LookupError):
    """Raised by a source whose participant's stack is still starting: their row says so, and
    it is not a problem (a class's first seconds would otherwise be a board of errors)."""


class ScoreSource(Protocol):
    def participants(self) -> Sequence[str]: ...

    def read(self, participant: str) -> Reading:
        """Raises any exception when the table cannot be read: the row says why."""
        ...


@dataclass(frozen=True)
class Row:
    participant: str
    stage: str
    score: int | None
    lab: str
    last_burst: str  # "+100", "no point yet", ...
    since_last_point: float | None  # seconds
    problem: str = ""


def lab_reached(score: int) -> str:
    return "lab 2" if score >= LAB2_SCORE else "lab 1"


def rank(rows: Sequence[Row]) -> list[Row]:
    """Highest score first; unread rows last; ties by name."""
    return sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), r.participant))


class Scoreboard:
    def __init__(self, source: ScoreSource, clock: Callable[[], float] = time.time) -> None:
        self._source = source
        self._clock = clock
        self._seen: dict[str, tuple[int, float | None, str]] = {}  # score, last point, last gain
        self._rows: list[Row] = []
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self.refreshed_at: float | None = None

    def refresh(self) -> list[Row]:
        with self._refreshing:  # one refresh at a time: the served page's and a final one
            return self._refresh()

    def _refresh(self) -> list[Row]:
        now = self._clock()
        rows = []
        for participant in self._source.participants():
            try:
                reading = self._source.read(participant)
            except NotStarted:
                rows.append(Row(participant, "-", None, "starting", "-", None))
                continue
            except Exception as error:  # this participant's row says why; the others go on
                previous = self._seen.get(participant)
                rows.append(
                    Row(
                        participant,
                        "-",
                        previous[0] if previous else None,
                        "-",
                        "-",
                        None,
                        f"cannot read the score: {error}",
                    )
                )
                continue
            score, last_point, gain = self._seen.get(participant, (reading.score, None, ""))
            if reading.score > score:
                gain, last_point = f"+{reading.score - score}", now
            elif reading.score < score:
                gain, last_point = f"{reading.score - score}", now
            self._seen[participant] = (reading.score, last_point, gain)
            rows.append(
                Row(
                    participant,
                    reading.stage,
                    reading.score,
                    reading.lab or lab_reached(reading.score),
                    reading.last_burst or gain or "no point yet",
                    None if last_point is None else round(now - last_point, 1),
                )
            )
        ranked = rank(rows)
        with self._lock:
            self._rows = ranked
            self.refreshed_at = now
        return ranked

    def rows(self) -> list[Row]:
        with self._lock:
            return list(self._rows)

    def as_json(self) -> str:
        return json.dumps(
            {"refreshed_at": self.refreshed_at, "rows": [asdict(row) for row in self.rows()]}
        )


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Leda scoreboard</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; }
table { border-collapse: collapse; min-width: 40rem; }
th, td { padding: .4rem .8rem; border-bottom: 1px solid #ccc; text-align: left; }
td.num { text-align: right; } tr.problem td { color: #a00; }
</style></head>
<body><h1>Leda scoreboard</h1>
<p id="status">loading...</p>
<table><thead><tr><th>#</th><th>participant</th><th>stage</th><th>score</th><th>lab</th>
<th>last burst</th><th>since last point</th></tr></thead><tbody id="rows"></tbody></table>
<script>
function cell(text, cls) { const td = document.createElement("td"); td.textContent = text;
  if (cls) td.className = cls; return td; }
async function refresh() {
  try {
    const board = await (await fetch("scores.json", {cache: "no-store"})).json();
    const body = document.getElementById("rows"); body.replaceChildren();
    board.rows.forEach((row, i) => {
      const tr = document.createElement("tr"); tr.dataset.participant = row.participant;
      if (row.problem) tr.className = "problem";
      tr.append(cell(i + 1), cell(row.participant), cell(row.stage),
        cell(row.score === null ? "-" : row.score, "num"), cell(row.problem || row.lab),
        cell(row.last_burst), cell(row.since_last_point === null ? "-" :
          Math.round(row.since_last_point) + " s", "num"));
      body.append(tr);
    });
    document.getElementById("status").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) { document.getElementById("status").textContent = "cannot reach the board: " + e; }
}
refresh(); setInterval(refresh, 2000);
</script></body></html>
"""


@dataclass
class Served:
    server: ThreadingHTTPServer
    stop: threading.Event
    refresher: threading.Thread

    def close(self) -> None:
        """Stop refreshing (and wait for a refresh under way), then stop serving."""
        self.stop.set()
        self.refresher.join()
        self.server.shutdown()
        self.server.server_close()


def serve(board: Scoreboard, port: int, every: float = 2.0) -> Served:
    """Serve the page and its JSON on 127.0.0.1:port, refreshing the board every `every`
    seconds in a thread; `close()` the result to stop."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] in ("/", "/index.html"):
                self._send(PAGE.encode(), "text/html; charset=utf-8")
            elif self.path.split("?")[0] == "/scores.json":
                self._send(board.as_json().encode(), "application/json")
            else:
                self.send_error(404)

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # the terminal shows the board, not every request

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    stop = threading.Event()

    def refresher() -> None:
        while not stop.is_set():
            board.refresh()
            stop.wait(every)

    refreshing = threading.Thread(target=refresher, name="scoreboard", daemon=True)
    refreshing.start()
    threading.Thread(target=server.serve_forever, name="scoreboard-http", daemon=True).start()
    return Served(server, stop, refreshing)


def board_table(rows: Sequence[Row]) -> Any:
    """The ranked board for a terminal."""
    from rich.table import Table

    table = Table(title="Leda scoreboard", show_edge=False)
    for column in ("#", "participant", "stage", "score", "lab", "last burst", "since last point"):
        table.add_column(column, justify="right" if column in ("#", "score") else "left")
    for place, row in enumerate(rows, start=1):
        since = "-" if row.since_last_point is None else f"{row.since_last_point:.0f} s"
        table.add_row(
            str(place),
            row.participant,
            row.stage,
            "-" if row.score is None else str(row.score),
            f"[red]{row.problem}[/red]" if row.problem else row.lab,
            row.last_burst,
            since,
        )
    return table
