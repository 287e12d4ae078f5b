"""MkDocs hooks for the guide: what a page shows that must not be typed by hand.

- `<!-- leda:diagram STAGE PART -->` becomes that stage's Mermaid flowchart, drawn from the
  Pulumi program by `leda.stage_diagram` (PART is pipeline or reminders), so a diagram cannot
  drift from the stack.
- `<!-- leda:captured NAME -->` becomes docs/captured/NAME.txt, output captured from a real run
  by scripts/capture_guide.py, in a text block.
- Mermaid itself is served from the site (the npm package setup installs in .tools), not from
  a CDN: Material only fetches it from unpkg when no `mermaid` is defined, and the guide must
  work with no network.
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CAPTURED = ROOT / "docs" / "captured"
MERMAID_JS = ROOT / ".tools" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
MERMAID_URL = "assets/mermaid.min.js"

DIAGRAM = re.compile(r"<!-- leda:diagram (?P<stage>[\w-]+) (?P<part>\w+) -->")
CAPTURE = re.compile(r"<!-- leda:captured (?P<name>[\w.-]+) -->")


@functools.cache
def _chart(stage: str, part: str) -> str:
    from leda import stage_report
    from leda.stage_diagram import mermaid

    return mermaid(stage_report.describe(stage), part=part)


def _captured(name: str) -> str:
    path = CAPTURED / f"{name}.txt"
    if not path.exists():
        raise ValueError(f"{path.relative_to(ROOT)} missing: run scripts/capture_guide.py")
    return path.read_text()


def on_config(config: Any) -> Any:
    _chart.cache_clear()  # `mkdocs serve` rebuilds in the same process
    if not MERMAID_JS.exists():
        raise ValueError(f"{MERMAID_JS} missing: ./scripts/setup installs mermaid from npm")
    if MERMAID_URL not in [str(script) for script in config["extra_javascript"]]:
        config["extra_javascript"].append(MERMAID_URL)
    return config


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    markdown = DIAGRAM.sub(lambda m: f"```mermaid\n{_chart(m['stage'], m['part'])}```", markdown)
    return CAPTURE.sub(lambda m: f"```text\n{_captured(m['name'])}```", markdown)


def on_post_build(config: Any) -> None:
    target = Path(config["site_dir"]) / MERMAID_URL
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MERMAID_JS, target)
