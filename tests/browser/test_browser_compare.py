"""The Compare tab in Chromium, on an app that offers two tiny models (a GPT-2 and a Llama
with a tokenizer of its own): a link with ``models=a,b`` and ``prompt=`` opens it, and one
press fills both columns, each with its model's own tokens, next tokens and answer."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from tests.ui_server import running_app

from .pages import (
    BLOCK,
    WAIT_MS,
    error_messages,
    exact,
    field,
    glitches,
    idle,
    panel,
    say,
    wait_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PROMPT = "我喜欢在周末和朋友一起去公园散步。"


def answers(page) -> list[str]:
    """The text of each column's Output box."""
    titles = panel(page).locator("[data-testid=block-info]", has_text=exact(say("en", "output")))
    return [titles.nth(i).locator(BLOCK).locator("textarea").input_value()
            for i in range(titles.count())]


@pytest.fixture(scope="module")
def pair_url(chromium_path: str, pair_config):
    """The app offering the two tiny models, served for this module."""
    with running_app(pair_config) as (client, _runtime):
        yield client.src.rstrip("/") + "/"


def test_a_compare_link_fills_both_columns(browser, pair_url, pair_config):
    gpt2, llama = pair_config.models
    models = f"{llama},{gpt2}"  # not the default order: the link's pair is the one shown
    link = urlencode({"tab": "compare", "models": models, "prompt": PROMPT,
                      "max_new_tokens": 12, "run": 1})
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.goto(f"{pair_url}?{link}", timeout=WAIT_MS)
        wait_ready(page)
        deadline = time.monotonic() + WAIT_MS / 1000
        while time.monotonic() < deadline and not all(answers(page)):
            page.wait_for_timeout(200)
        idle(page)
        assert field(page, say("en", "prompt")).input_value() == PROMPT
        tab = panel(page)
        headings = tab.locator(".lm-compare-model:not(:has(.lm-compare-model))")  # innermost
        names = [el.inner_text().strip() for el in headings.all()]
        assert names == [llama, gpt2]
        assert len(answers(page)) == 2 and all(answers(page))
        chips = tab.locator(".lm-chips")
        counts = [chips.nth(i).locator(".lm-chip").count() for i in range(chips.count())]
        assert len(counts) == 2 and counts[0] < len(PROMPT) < counts[1]  # two tokenizers
        assert tab.locator(".lm-bars .lm-tok").count() == 20  # ten next tokens each
        assert error_messages(page) == []
        assert glitches(page) == []
    finally:
        context.close()
