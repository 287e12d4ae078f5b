"""The guide: it builds strictly, every page exists in English and Vietnamese with the same
commands, every internal link of the built site resolves, its diagrams are the program's, and
the failures it shows were captured from runs that still fail that way."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from leda import stage_report
from leda.stage_diagram import mermaid
from tests.docs.guide import DOCS, LANGUAGES, blocks, nav_order, pages


def test_every_page_in_both_languages():
    english, vietnamese = set(pages("en")), set(pages("vi"))
    assert english - vietnamese == set(), "English pages without a Vietnamese one"
    assert vietnamese - english == set(), "Vietnamese pages without an English one"
    assert set(nav_order()) == english, "pages missing from (or extra in) mkdocs.yml's nav"


@pytest.mark.parametrize("page", sorted(pages("en")))
def test_a_translation_shows_the_same_commands_diagrams_and_captures(page):
    """Prose is translated; code, diagrams and captured output are the same on both sides."""
    english, vietnamese = pages("en")[page], pages("vi")[page]
    for language_blocks in (blocks("en"), blocks("vi")):
        assert language_blocks, "no code blocks found: the parser is broken"
    assert [b.body for b in blocks("en") if b.page == page] == [
        b.body for b in blocks("vi") if b.page == page
    ]
    markers = re.compile(r"<!-- leda:\w+ [^>]*-->")
    assert markers.findall(english) == markers.findall(vietnamese)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _target(site: Path, page: Path, link: str) -> Path | None:
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path:
        return None  # another site, or an anchor on this page
    path = unquote(parts.path)
    # 404.html links from the site's root (it is served for any missing path).
    target = (site / path.lstrip("/") if path.startswith("/") else page.parent / path).resolve()
    return target / "index.html" if target.is_dir() or parts.path.endswith("/") else target


def test_every_internal_link_of_the_built_site_resolves(site):
    broken = []
    built = sorted(site.rglob("*.html"))
    assert len(built) >= 2 * len(pages("en"))
    for page in built:
        parser = _Links()
        parser.feed(page.read_text())
        for link in parser.links:
            target = _target(site, page, link)
            if target is not None and not target.exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
    assert broken == []


def test_the_diagrams_are_the_programs(site):
    """The built page carries, in order, exactly what `leda stage diagram` draws."""
    expected = [
        mermaid(stage_report.describe(stage))
        for stage in ("broken", "wired", "fault-tolerant", "hardened")
    ] + [mermaid(stage_report.describe("hardened"), part="reminders")]
    expected = [chart.strip() for chart in expected]
    for language in ("", "vi/"):
        page = (site / language / "diagrams" / "index.html").read_text()
        charts = [
            html.unescape(chart).strip()
            for chart in re.findall(r'<pre class="mermaid"><code>(.*?)</code></pre>', page, re.S)
        ]
        assert charts == expected


# What each captured failure must still say: tests/e2e/test_lab_check.py asserts the same words
# of a live run, so a capture that no longer matches the checks fails here.
CAPTURED_SAYS = {
    "lab1-step1-before": ["StateLambda has no trigger"],
    "lab1-step3-before": ["the trigger was refused: Cannot access stream", "dynamodb:"],
    "lab2-step1-before": ['never says "Conditional put failed"'],
    "lab2-step2-before": ["counted twice"],
}


@pytest.mark.parametrize("name", sorted(CAPTURED_SAYS))
def test_the_captured_failures_say_what_the_checks_say(name):
    text = (DOCS / "captured" / f"{name}.txt").read_text()
    assert text.startswith("$ leda lab check "), "captured by scripts/capture_guide.py"
    for words in CAPTURED_SAYS[name]:
        assert words in text
    for language in LANGUAGES:
        assert any(f"<!-- leda:captured {name} -->" in t for t in pages(language).values())
