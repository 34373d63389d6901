"""A 390 x 844 phone: every tab is reachable, nothing scrolls sideways, nothing needs hover.

Gradio moves the tabs that do not fit into a "…" menu; ``open_tab`` goes through it as a
thumb would. A page wider than the screen (``scrollWidth > innerWidth``) needs sideways scrolling
of the whole page, and a box that hides what does not fit clips it; a wide chart may scroll
inside its own box instead.
"""

from __future__ import annotations

import re

import pytest

from .conftest import keep_failure
from .pages import PHONE, clipped, error_messages, glitches, idle, overflow, panel
from .tour import STEPS, Step

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LEARN = Step("learn", ("tab_learn",), lambda page, language: None)
PERCENT = re.compile(r"\d+(?:\.\d+)?\s?%|< 0\.01\s?%")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_every_tab_is_reachable_and_fits(module_pages, language, request):
    page = module_pages(language, PHONE)
    wide = {}
    try:
        width, inner = overflow(page)
        if width > inner:
            wide["first screen"] = width
        header = page.locator("#lang-switch").bounding_box()
        assert header and header["x"] + header["width"] <= inner, "the language switch is cut"
        for step in (*STEPS, LEARN):
            step.open(page, language)
            width, inner = overflow(page)
            if width > inner:
                wide[step.name] = width
            if cut := clipped(page):
                wide[f"{step.name} (clipped)"] = cut
        assert not wide, f"wider than the {PHONE['width']} px screen, or cut off: {wide}"
        assert not glitches(page)
    finally:
        keep_failure(page, request)


# In English only: the Chinese page has the same widgets, and the tour runs them in both.
@pytest.mark.parametrize("name", ["generation", "attention", "bias_probe"])
def test_views_run_and_fit_on_a_phone(module_pages, name, request):
    """The widest views, run with taps only (the tour clicks tokens and bars, never hovers)."""
    language = "en"
    page = module_pages(language, PHONE)
    step = next(s for s in STEPS if s.name == name)
    try:
        step.open(page, language)
        step.run(page, language)
        assert not error_messages(page)
        width, inner = overflow(page)
        assert width <= inner, f"{name} is {width} px wide on a {inner} px screen"
        assert not clipped(page), f"{name} cuts content off: {clipped(page)}"
    finally:
        keep_failure(page, request)


def test_a_heatmap_cell_tells_its_value_when_tapped(module_pages, request):
    """No hover on a phone: tapping a cell shows its weight as text on the page."""
    language = "en"
    page = module_pages(language, PHONE)
    step = next(s for s in STEPS if s.name == "attention")
    try:
        step.open(page, language)
        if not panel(page).locator(".lm-heat td").count():
            step.run(page, language)
        heat = panel(page).locator(".lm-heat")
        before = heat.evaluate("(el) => el.closest('.block').innerText")
        heat.locator("tbody tr").last.locator("td").first.tap()
        idle(page)
        after = heat.evaluate("(el) => el.closest('.block').innerText")
        shown = set(PERCENT.findall(after)) - set(PERCENT.findall(before))
        assert shown, "tapping a heatmap cell shows no percentage on the page"
    finally:
        keep_failure(page, request)
