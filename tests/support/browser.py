"""Debian's headless chromium, driven through its own chromedriver, for the page tests.

Both paths are given to Selenium, so Selenium Manager never looks for (or downloads) a browser
or a driver; `SE_OFFLINE` keeps it offline should it be asked anyway. The flags are the ones
this machine kind needs (/work/.library/env): without the background-networking ones chromium
keeps opening connections the closed network refuses. Screenshots go under ARTIFACTS, which
the test command keeps after a run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.waiting import wait_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,800",
)


@contextmanager
def headless_chromium(profile: Path) -> Iterator[Any]:
    """A WebDriver on a fresh profile directory; quit on the way out."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        raise AssertionError(
            f"{', '.join(missing)} missing: ./scripts/setup installs Debian's chromium and "
            "chromium-driver"
        )
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str) -> Path:
    """Keep what the page looked like, as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


Rows = list[list[str]]


def table_rows(driver: Any, selector: str) -> Rows:
    """The cells of the rows `selector` finds, as the page shows them, read in one script run:
    a page that replaces its rows on every refresh may drop elements found a call earlier."""
    rows: Rows = driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])]"
        ".map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText));",
        selector,
    )
    return rows


def wait_for_rows(
    driver: Any, selector: str, until: Callable[[Rows], bool], timeout: float, describe: str
) -> Rows:
    """The rows once `until` holds for them."""
    found: list[Rows] = []

    def holds() -> bool:
        rows = table_rows(driver, selector)
        if until(rows):
            found.append(rows)
            return True
        return False

    wait_for(holds, timeout, describe, every=0.25)
    return found[0]
