"""One bad action, one message, in the visitor's language.

Issue 10 saw "Error (2)" for an empty prompt and "(4)" for a 30,000-character article,
because Run and the prompt preview each validated the input. Each case here does one bad
action and counts the error messages Gradio shows (it groups repeats into one toast).
"""

from __future__ import annotations

import re

import pytest

from lmdemo.tasks import get_task

from .conftest import keep_failure
from .pages import (
    WAIT_MS,
    click,
    dismiss_toasts,
    error_messages,
    fill,
    glitches,
    idle,
    open_tab,
    say,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CJK = re.compile(r"[\u4e00-\u9fff]")
LONG = "The library opened on Saturday. " * 940  # 30,080 characters


def task_with(task_name: str, *values: str):
    """Open a task tab and type ``values`` into its text fields, then press Run."""
    def act(page, language: str) -> None:
        task = get_task(task_name)
        open_tab(page, say(language, task.title))
        for f, value in zip(task.inputs, values, strict=False):
            fill(page, say(language, f.label), value)
        click(page, say(language, "run"))
    return act


def next_token_empty(page, language: str) -> None:
    """The next-token view with an empty prompt."""
    open_tab(page, say(language, "tab_inspect"))
    open_tab(page, say(language, "tab_next_token"))
    fill(page, say(language, "prompt"), "")
    click(page, say(language, "next_token_run"))


CASES = {
    "generate-empty": task_with("generate", ""),
    "answer-empty": task_with("answer", "", ""),
    "summarize-30000-chars": task_with("summarize", LONG),
    "next-token-empty": next_token_empty,
}


# Chinese: the two kinds of message (a task's and a view's) are enough to see the language.
ZH_CASES = ("generate-empty", "next-token-empty")
PAIRS = [("en", case) for case in CASES] + [("zh-CN", case) for case in ZH_CASES]


@pytest.mark.parametrize(("language", "case"), PAIRS)
def test_one_message_per_bad_action(module_pages, language, case, request):
    page = module_pages(language)
    dismiss_toasts(page)
    try:
        CASES[case](page, language)
        page.locator("[data-testid=toast-body].error").first.wait_for(timeout=WAIT_MS)
        idle(page)
        page.wait_for_timeout(300)  # a second event's message would have arrived by now
        messages = error_messages(page)
        assert len(messages) == 1, f"{case}: {len(messages)} messages for one action: {messages}"
        if language == "zh-CN":
            assert CJK.search(messages[0]), f"{case}: the message is not in Chinese: {messages}"
        assert not glitches(page)
    finally:
        keep_failure(page, request)
