"""Every tab runs in Chromium, in English and Chinese, with nothing raw on the page.

One page per language walks all tabs in order, as a visitor would: each task tab's Run
gives an answer (and a table of examples is headed by the field labels), each "Look inside"
view draws its chart. After each step the page must
show no error, no raw i18n key, no control token and no number in scientific notation.
With LMDEMO_SCREENSHOTS=1 the walk also saves the README screenshots.
"""

from __future__ import annotations

import pytest

from lmdemo.tasks import get_task

from .conftest import keep_failure, new_page
from .pages import dismiss_toasts, error_messages, field, glitches, open_tab, panel, say, shot
from .tour import STEPS, ZH_SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def tour(request, browser, app_url):
    """One page per language, kept across the steps as a visitor's tab would be."""
    page = new_page(browser, app_url, request.param)
    yield page, request.param
    page.context.close()


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_every_tab_runs_without_glitches(tour, step, request):
    page, language = tour
    dismiss_toasts(page)
    try:
        step.open(page, language)
        step.run(page, language)
        errors = error_messages(page)
        assert not errors, f"{step.name} showed errors: {errors}"
        found = glitches(page)
        assert not found, f"{step.name} shows raw text: {found}"
    finally:
        keep_failure(page, request)
    name = step.shot if language == "en" else ZH_SHOTS.get(step.name)
    if name:
        shot(page, name)


def test_an_example_row_fills_the_fields(open_page):
    # The Examples' click event is private (no API endpoint, no MCP tool); the page still
    # calls it.
    page = open_page("en")
    task = get_task("answer")
    open_tab(page, say("en", task.title))
    context, question = task.examples[-1][:2]
    panel(page).get_by_text(question[:30]).first.click()
    page.wait_for_function("(text) => [...document.querySelectorAll('textarea')].some("
                           "(el) => el.value === text)", arg=question)
    assert field(page, say("en", "question")).input_value() == question
    assert field(page, say("en", "context")).input_value() == context
