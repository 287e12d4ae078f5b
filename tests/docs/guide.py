"""The participant guide's sources, read the way its tests need them: pages per language, the
commands each page shows, and which of them a test may run."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LANGUAGES = ("en", "vi")
MKDOCS = Path(sys.executable).parent / "mkdocs"

FENCE = re.compile(
    r"(?P<mark><!-- (?P<kind>runnable|aws) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S
)


@dataclass(frozen=True)
class Block:
    page: str
    lang: str
    body: str
    runnable: bool
    needs_aws: bool

    def commands(self) -> list[str]:
        return [line for line in self.body.splitlines() if line.strip()]


def pages(language: str) -> dict[str, str]:
    folder = DOCS / language
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*.md"))}


def blocks(language: str) -> list[Block]:
    found = []
    for page, text in pages(language).items():
        for match in FENCE.finditer(text):
            found.append(
                Block(
                    page,
                    match["lang"],
                    match["body"],
                    match["kind"] == "runnable",
                    match["kind"] == "aws",
                )
            )
    return found


def nav_order() -> list[str]:
    """Pages in the order of mkdocs.yml's nav: the order a participant follows them."""
    return re.findall(
        r'^  - (?:"[^"]*"|[^:"]+): (\S+\.md)$', (ROOT / "mkdocs.yml").read_text(), re.M
    )


def build(site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={"PATH": str(MKDOCS.parent) + ":/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
