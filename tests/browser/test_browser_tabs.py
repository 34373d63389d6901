"""Every tab runs in Chromium, in English and Chinese, with nothing raw on the page.

One page per language walks all tabs in order, as a visitor would: each task tab's Run
gives an answer (and a table of examples is headed by the field labels), each "Look inside"
view draws its chart. After each step the page must
show no error, no raw i18n key, no control token and no number in scientific notation.
With LMDEMO_SCREENSHOTS=1 the walk also saves the README screenshots.
"""

from __future__ import annotations

import pytest

from .conftest import keep_failure, new_page
from .pages import dismiss_toasts, error_messages, glitches, shot
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
