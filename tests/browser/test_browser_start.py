"""The page of a server whose model is still loading, in Chromium (issue 18, section 4).

The server runs on a runtime whose loader holds in the middle of a GGUF conversion until the
test releases it (``tests.test_runtime.HeldLoader``): the page must already answer,
show the step and its percent in the banner and keep that line current, refuse a run with a
message naming the step, and once the model is ready show the model's banner and run tasks.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from lmdemo.models import gguf_cache
from tests.test_runtime import HeldLoader, held_runtime
from tests.ui_server import running_app

from .pages import (
    DESKTOP,
    LOCALES,
    WAIT_MS,
    click,
    dismiss_toasts,
    error_messages,
    field,
    fill,
    idle,
    open_tab,
    say,
    wait_value,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LINKED = "A link opened while the model loads"
BANNER_HAS = "(text) => document.querySelector('#model-banner')?.innerText.includes(text)"


@pytest.fixture(scope="module")
def held(browser, tiny_config):
    """(page, link page, loader): a server whose model load is held mid-conversion, its
    page, and a page opened from a link that asks to run (``run=1``)."""
    loader = HeldLoader(step=1)
    runtime = held_runtime(tiny_config, loader)
    with running_app(tiny_config, runtime=runtime, ready=False) as (client, _runtime):
        context = browser.new_context(locale=LOCALES["en"], viewport=DESKTOP)
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        page.goto(client.src, timeout=WAIT_MS)
        linked = context.new_page()
        linked.goto(client.src + "?" + urlencode({"tab": "generate", "prompt": LINKED,
                                                  "max_new_tokens": 4, "run": 1}),
                    timeout=WAIT_MS)
        yield page, linked, loader
        loader.release()
        context.close()


def test_the_page_shows_the_load_then_the_model(held):
    page, linked, loader = held
    page.wait_for_function(BANNER_HAS, arg="de-quantizing the GGUF weights, 35%",
                           timeout=WAIT_MS)
    first = page.locator("#model-banner").inner_text()
    assert "getting ready" in first and "converting" in first
    # The line stays current: its clock moves, and the next step shows without a reload.
    page.wait_for_function("(old) => document.querySelector('#model-banner').innerText !== old",
                           arg=first, timeout=WAIT_MS)
    gguf_cache._report(2, None)  # what the real conversion reports when it starts saving
    page.wait_for_function(BANNER_HAS, arg="saving the converted weights, 97%", timeout=WAIT_MS)

    open_tab(page, say("en", "tab_generate"))
    fill(page, say("en", "prompt"), "Once upon a time")
    click(page, say("en", "run"))
    page.wait_for_function("() => document.querySelector('[data-testid=toast-text].error')",
                           timeout=WAIT_MS)
    assert any("still loading (converting, saving the converted weights, 97%)" in text
               for text in error_messages(page)), error_messages(page)
    dismiss_toasts(page)

    # A link's run=1 waits for the model instead of meeting the same message.
    linked.wait_for_function(BANNER_HAS, arg="saving the converted weights", timeout=WAIT_MS)
    assert field(linked, say("en", "prompt")).input_value() == LINKED
    assert error_messages(linked) == [] and field(linked, say("en", "output")).input_value() == ""

    loader.release()
    assert wait_value(linked, say("en", "output")).strip(), "the link ran once the model was ready"
    idle(linked)
    assert error_messages(linked) == []
    page.wait_for_selector("#model-banner strong", timeout=WAIT_MS)  # the model's name
    banner = page.locator("#model-banner").inner_text()
    assert "getting ready" not in banner and "converting" not in banner
    click(page, say("en", "run"))
    assert wait_value(page, say("en", "output")).strip()
    idle(page)
    assert error_messages(page) == []
    # What needed the model is filled in now, without a reload: Learn's measured paragraph.
    open_tab(page, say("en", "tab_learn"))
    page.locator("#learn-attention-live a").first.wait_for(timeout=WAIT_MS)
