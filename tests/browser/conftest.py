"""The browser suite's fixtures: the app served in-process, one Chromium, pages per locale.

The app runs on the tiny random GPT-2 (tests/conftest.py), or on LMDEMO_BROWSER_MODEL when
set (``scripts/screenshots.py`` sets it to the bundled model for the README pictures).
Chromium is Debian's (/usr/bin/chromium, or LMDEMO_CHROMIUM), driven by Playwright's Python
package; ``playwright install`` is never needed. A missing browser FAILS the suite, so CI
cannot pass without it; a developer may skip the suite with LMDEMO_SKIP_BROWSER=1.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lmdemo.config import AppConfig, default_cache_dir
from tests.ui_server import running_app

from .pages import CHROMIUM, CHROMIUM_ARGS, DESKTOP, LOCALES, PHONE, WAIT_MS, shot, wait_ready

INSTALL = ("Install it: `apt-get install -y chromium fonts-noto-cjk` (Debian), or point "
           "LMDEMO_CHROMIUM at a Chromium binary; set LMDEMO_SKIP_BROWSER=1 to skip the "
           "browser tests on purpose.")


@pytest.fixture(scope="package")
def chromium_path() -> str:
    """The Chromium binary; the suite fails (not skips) without it."""
    if os.environ.get("LMDEMO_SKIP_BROWSER", "") not in ("", "0"):
        pytest.skip("LMDEMO_SKIP_BROWSER is set")
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if path is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}. {INSTALL}", pytrace=False)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("The playwright package is missing: pip install -r requirements-dev.txt",
                    pytrace=False)
    return path


@pytest.fixture(scope="package")
def app_url(chromium_path: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """The app's address, served in-process for the whole browser suite."""
    model = os.environ.get("LMDEMO_BROWSER_MODEL")
    if model:
        config = AppConfig(model=model, cache_dir=default_cache_dir())
    else:
        config = request.getfixturevalue("tiny_config")
    with running_app(config) as (client, _runtime):
        yield client.src.rstrip("/") + "/"


@pytest.fixture(scope="package")
def browser(chromium_path: str):
    """One headless Chromium for the suite."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_page(browser, app_url: str, language: str = "en", viewport: dict | None = None,
             query: str = "", clipboard: bool = False):
    """A fresh context in ``language`` showing the app at ``/?query``, once it is ready."""
    viewport = viewport or DESKTOP
    phone = viewport == PHONE  # a phone: touch events, and the page's mobile viewport rules
    context = browser.new_context(locale=LOCALES[language], viewport=viewport, has_touch=phone,
                                  is_mobile=phone)
    if clipboard:
        origin = app_url.rstrip("/")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(app_url + (f"?{query}" if query else ""), timeout=WAIT_MS)
    wait_ready(page)
    return page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so a fixture knows a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def keep_failure(page, request: pytest.FixtureRequest) -> None:
    """Save the page of a failed test under LMDEMO_BROWSER_ARTIFACTS, when it is set."""
    folder = os.environ.get("LMDEMO_BROWSER_ARTIFACTS")
    report = getattr(request.node, "report_call", None)
    if folder and report is not None and report.failed:
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
        shot(page, name, Path(folder))


@pytest.fixture(scope="module")
def module_pages(browser, app_url: str) -> Iterator[Callable[..., object]]:
    """``module_pages(language, viewport=...)``: one page per kind, kept for the module, as a
    visitor's browser tab is kept across actions (a page load costs ~3 s on 2 cores)."""
    opened: dict[tuple, object] = {}

    def get(language: str = "en", viewport: dict | None = None):
        key = (language, tuple(sorted((viewport or DESKTOP).items())))
        if key not in opened:
            opened[key] = new_page(browser, app_url, language, viewport=viewport)
        return opened[key]

    yield get
    for page in opened.values():
        page.context.close()


@pytest.fixture
def open_page(browser, app_url: str, request: pytest.FixtureRequest
              ) -> Iterator[Callable[..., object]]:
    """Open pages with ``open_page(language, viewport=..., query=...)``; closed after the test."""
    pages = []

    def opener(language: str = "en", **kwargs):
        page = new_page(browser, app_url, language, **kwargs)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        keep_failure(page, request)
        page.context.close()
