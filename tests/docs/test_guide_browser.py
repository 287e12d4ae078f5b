"""The built guide as a browser renders it: a lab step and the diagrams page in Debian's
headless chromium, each in both languages. The diagrams must be drawn (Mermaid replaces the
chart's text with a picture, from the copy the site serves: no network here) and the language
switch must be there. Screenshots under build/test-artifacts."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import headless_chromium, screenshot
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.browser]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with headless_chromium(tmp_path_factory.mktemp("profile")) as browser:
        yield browser


def _languages(driver: Any) -> set[str]:
    links = driver.execute_script(
        "return [...document.querySelectorAll('a.md-select__link[hreflang]')]"
        ".map(a => a.getAttribute('hreflang'));"
    )
    return set(links)


def _drawn(driver: Any) -> list[int] | None:
    """Each chart's height once Mermaid has drawn it (its source text gone), else None."""
    charts = driver.execute_script(
        "return [...document.querySelectorAll('.mermaid')]"
        ".map(m => [m.textContent.includes('flowchart'), m.offsetHeight]);"
    )
    if charts and all(not text and height > 50 for text, height in charts):
        return [height for _, height in charts]
    return None


@pytest.mark.parametrize("language", ["", "vi/"])
def test_the_diagrams_are_drawn_with_a_language_switch(served, driver, language):
    driver.get(f"{served}/{language}diagrams/")
    heights = wait_for(lambda: _drawn(driver), 30, "the diagrams were never drawn")
    assert len(heights) == 5  # four stages and the reminders
    assert _languages(driver) == {"en", "vi"}
    screenshot(driver, f"guide-{language or 'en/'}diagrams".replace("/", "-"))


@pytest.mark.parametrize("language", ["", "vi/"])
def test_a_lab_step_page(served, driver, language):
    driver.get(f"{served}/{language}lab1/")
    heading = driver.execute_script("return document.querySelector('h1').textContent")
    assert heading.startswith("Lab 1" if not language else "Lab 1: nối")
    assert _languages(driver) == {"en", "vi"}
    code = driver.execute_script(
        "return [...document.querySelectorAll('pre code')].map(c => c.textContent).join('\\n')"
    )
    assert "StateLambdaTrigger:" in code and "leda lab start lab" in code
    screenshot(driver, f"guide-{language or 'en/'}lab1".replace("/", "-"))
