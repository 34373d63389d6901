"""Values from a link are shown as text in the app's own notices and pop-ups, which are
worded in the visitor's language, the rate limit's included (issue 18, section 1).

Each payload is the issue's: a Markdown link, a Markdown image, an HTML image with an
``onerror`` handler, and an HTML link in a value that an error message quotes.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlparse

import pytest

from tests.ui_server import running_app

from .conftest import keep_failure, new_page
from .pages import WAIT_MS, click, idle, say, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PWNED = '<img src=x onerror="window.lmPwned = 1">'
LINKS = {
    "markdown-link": ("tab=%5Blogin%5D%28https%3A%2F%2Fevil.example%2F%29",
                      "[login](https://evil.example/)"),
    "markdown-image": (urlencode({"tab": "![t](http://host/t.png)"}), "![t](http://host/t.png)"),
    "html-image": (urlencode({"tab": "attention", "head": PWNED}), PWNED),
}
ANCHOR = '<a href="https://evil.example/">Click here</a>'


def no_markup(page, selector: str) -> None:
    """Nothing under ``selector`` is a link or an image, and no handler in a value ran."""
    assert page.locator(selector).locator("a, img").count() == 0
    assert page.evaluate("() => window.lmPwned === undefined")
    loaded = page.evaluate("() => performance.getEntriesByType('resource').map((e) => e.name)")
    assert not [url for url in loaded if urlparse(url).hostname in ("evil.example", "host")]


@pytest.mark.parametrize("case", LINKS)
def test_a_links_values_are_text_in_its_notice(open_page, case):
    query, shown = LINKS[case]
    page = open_page("en", query=query)
    notice = page.locator("#link-notice")
    notice.wait_for(state="visible", timeout=WAIT_MS)
    idle(page)
    assert shown in notice.inner_text()
    no_markup(page, "#link-notice")


def test_an_error_that_quotes_a_link_shows_it_as_text(open_page):
    link = urlencode({"tab": "translate", "text": "Hello", "target_language": ANCHOR,
                      "run": 1})
    page = open_page("en", query=link)
    message = page.locator("[data-testid=toast-text].error").first
    message.wait_for(timeout=WAIT_MS)
    assert '<a href="https://evil.example/">Click' in message.inner_text()  # quoted, cut
    no_markup(page, "[data-testid=toast-body]")


def wait_title(page, kind: str, words: str) -> None:
    """Wait until the pop-up of ``kind`` (error, warning) is headed ``words``."""
    page.wait_for_function(
        """([kind, words]) => [...document.querySelectorAll('.toast-title.' + kind)]
             .some((el) => el.textContent.trim().startsWith(words))""",
        arg=[kind, words], timeout=WAIT_MS)


def test_an_error_is_headed_in_the_visitors_language(open_page):
    link = urlencode({"tab": "translate", "text": "Hello", "target_language": "Klingon",
                      "run": 1})
    page = open_page("zh-CN", query=link)
    wait_title(page, "error", say("zh-CN", "err_title"))


@pytest.fixture(scope="module")
def limited_url(chromium_path, tiny_config):
    """A second server, allowing one generation a minute per address."""
    with running_app(tiny_config.with_overrides(rate_limit=1)) as (client, _runtime):
        yield client.src.rstrip("/") + "/"


@pytest.mark.parametrize("language", ["zh-CN"])
def test_the_rate_limit_speaks_the_visitors_language(browser, limited_url, language,
                                                     request):
    page = new_page(browser, limited_url, language,
                    query="tab=generate&prompt=Hello&max_new_tokens=2&run=1")
    try:
        idle(page)  # the link's run spent the minute's one generation
        click(page, say(language, "run"))
        message = page.locator("[data-testid=toast-text].error").first
        message.wait_for(timeout=WAIT_MS)
        expected = say(language, "rate_limited").split("{")[0]
        assert message.inner_text().startswith(expected), message.inner_text()
        wait_title(page, "error", say(language, "err_title"))
    finally:
        keep_failure(page, request)
        page.context.close()


def test_a_link_too_long_for_the_server_gets_a_page_that_says_so(browser, app_url):
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        reply = page.goto(app_url + "?tab=generate&prompt=" + "a" * 100_000, timeout=WAIT_MS)
        assert reply is not None and reply.status == 414
        assert say("zh-CN", "url_too_long_title") in page.inner_text("body")
        page.get_by_role("link").click(timeout=WAIT_MS)  # back to the app, without the text
        wait_ready(page)
    finally:
        context.close()
