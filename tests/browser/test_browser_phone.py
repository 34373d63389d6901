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
from .pages import (
    PHONE,
    click,
    clipped,
    covered,
    error_messages,
    fill,
    glitches,
    idle,
    overflow,
    panel,
    say,
)
from .tour import STEPS, Step

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LEARN = Step("learn", ("tab_learn",), lambda page, language: None)
PERCENT = re.compile(r"\d+(?:\.\d+)?\s?%|< 0\.01\s?%")
# About 40 tokens: more columns than a phone shows at the smallest cell size.
LONG_TEXT = ("The quick brown fox jumps over the lazy dog while the cat, who was sleeping on "
             "the warm windowsill all afternoon, did not care at all about any of it.")
# Where the attention map's last column ends, and where its scrolling box shows content up to.
MAP_EDGES_JS = """(table) => {
  const wrap = table.closest('.lm-wrap');
  const cells = table.querySelectorAll('tbody tr:last-child td');
  return [cells[cells.length - 1].getBoundingClientRect().right,
          wrap.getBoundingClientRect().right, wrap.scrollWidth, wrap.clientWidth];
}"""


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


# The views that draw a result under a title (sentiment: Gradio's label chart).
TITLED = ["sentiment", "tokenize", "next_token", "generation", "attention", "neighbors",
          "bias_probe"]


@pytest.mark.parametrize("name", TITLED)
def test_no_title_covers_a_result(module_pages, name, request):
    """A title that wraps on a narrow screen sits above its chart, never over its first row
    (the bias probe's first word, the first chips, the top bar)."""
    page = module_pages("en", PHONE)
    step = next(s for s in STEPS if s.name == name)
    try:
        step.open(page, "en")
        step.run(page, "en")
        assert not covered(page), f"{name}: titles over results: {covered(page)}"
    finally:
        keep_failure(page, request)


def test_the_attention_map_fits_or_shows_that_it_scrolls(module_pages, request):
    """The example sentence's map fits the screen whole; a longer text's map scrolls inside
    its box, and a mark at the right edge says so until the last column is in view."""
    page = module_pages("en", PHONE)
    step = next(s for s in STEPS if s.name == "attention")
    try:
        step.open(page, "en")
        step.run(page, "en")  # the tab's own example, 13 tokens on GPT-2's vocabulary
        table = panel(page).locator(".lm-heat").first
        last, right, width, inner = table.evaluate(MAP_EDGES_JS)
        assert last <= right + 1 and width <= inner + 1, (
            f"the example's map is cut: last column ends at {last} px, the box at {right} px")
        more = panel(page).locator(".lm-more").first
        assert not more.is_visible(), "a map that fits shows no scroll mark"

        fill(page, say("en", "text"), LONG_TEXT)
        click(page, say("en", "attention_run"))
        page.wait_for_function(
            "() => document.querySelectorAll('.lm-heat tbody tr').length > 30", timeout=30_000)
        idle(page)
        last, right, width, inner = table.evaluate(MAP_EDGES_JS)
        assert width > inner and last > right, "a 40-token map should not fit 390 px"
        assert more.is_visible(), "columns are hidden to the right with no sign of it"
        table.evaluate("(t) => { const w = t.closest('.lm-wrap'); w.scrollLeft = w.scrollWidth; }")
        page.wait_for_function("(el) => getComputedStyle(el).display === 'none'",
                               arg=more.element_handle(), timeout=5_000)
        assert overflow(page)[0] <= PHONE["width"], "the map widens the page instead"
    finally:
        keep_failure(page, request)
