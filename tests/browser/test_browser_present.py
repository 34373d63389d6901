"""Presentation mode on a 1400 x 900 projector: a run's result shows without scrolling.

One page opened with ``present=1`` walks every tab, as a presenter would, and after each run
the page is back at its top: the result's title and first row must be on the screen, with a
fair part of the result (150 px, or all of it if it is smaller). The attention map grows with
the page: its cells are larger than in the normal page on the same screen, and it still fits
the width.
"""

from __future__ import annotations

import pytest

from lmdemo.tasks import get_task

from .conftest import keep_failure, new_page
from .pages import say
from .tour import STEPS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PROJECTOR = {"width": 1400, "height": 900}
SHOWN_PX = 150  # of the result, at least (or the whole result)
# The first row of each view's result; a task's result is its output field.
FIRST_ROW = {
    "tokenize": ".lm-chips .lm-chip",
    "next_token": ".lm-bars [data-pick]",
    "generation": ".lm-text [data-pick]",
    "attention": ".lm-heat tbody tr",
    "neighbors": ".lm-bars .lm-tok",
    "bias_probe": ".lm-col .lm-tok",
}
# Where the result and its first row are, in the selected tab, seen from the top of the page.
PLACE_JS = """([row, title]) => {
  window.scrollTo(0, 0);
  const shown = (el) => !!(el.offsetWidth || el.offsetHeight);
  const panel = [...document.querySelectorAll('[role=tabpanel]')].filter(shown).pop();
  let first;
  if (row) {
    first = [...panel.querySelectorAll(row)].find(shown);
  } else {  // a task: the field or label chart under the output's title
    const head = [...panel.querySelectorAll('[data-testid=block-info], [data-testid=block-label]')]
      .find((el) => shown(el) && el.textContent.trim() === title);
    const box = head && head.closest('.block');
    first = box && (box.querySelector('textarea, [data-testid=label-output-value]') || box);
  }
  if (!first) return null;
  const block = first.closest('.block').getBoundingClientRect();
  let end = first.getBoundingClientRect().bottom;
  if (first.tagName === 'TEXTAREA') {  // a tall field: its first line of text
    const style = getComputedStyle(first);
    end = first.getBoundingClientRect().top + parseFloat(style.paddingTop)
          + parseFloat(style.lineHeight);
  }
  return {top: block.top, bottom: block.bottom, row: end, screen: window.innerHeight};
}"""
CELL_JS = """() => {
  const shown = (el) => !!(el.offsetWidth || el.offsetHeight);
  const cell = [...document.querySelectorAll('.lm-heat tbody td')].find(shown);
  const wrap = cell.closest('.lm-wrap');
  return [cell.getBoundingClientRect().width, wrap.scrollWidth, wrap.clientWidth];
}"""


@pytest.fixture(scope="module")
def projector(browser, app_url):
    """One page in presentation mode on a projector-sized screen, kept across the tabs."""
    page = new_page(browser, app_url, "en", viewport=PROJECTOR, query="present=1")
    yield page
    page.context.close()


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_a_runs_result_shows_without_scrolling(projector, step, request):
    page = projector
    try:
        assert page.evaluate("document.body.classList.contains('lm-present')")
        step.open(page, "en")
        step.run(page, "en")
        title = None
        if step.name not in FIRST_ROW:
            title = say("en", get_task(step.name).output)
        place = page.evaluate(PLACE_JS, [FIRST_ROW.get(step.name), title])
        assert place, f"{step.name}: no result found"
        screen = place["screen"]
        assert 0 <= place["top"] and place["row"] <= screen, (
            f"{step.name}: the result starts at {place['top']:.0f} px and its first row ends "
            f"at {place['row']:.0f} px, on a {screen} px screen")
        seen = min(place["bottom"], screen) - place["top"]
        assert seen >= min(SHOWN_PX, place["bottom"] - place["top"]) - 1, (
            f"{step.name}: only {seen:.0f} px of the result is on the screen")
    finally:
        keep_failure(page, request)


def test_the_attention_map_grows_with_the_page(projector, open_page, request):
    step = next(s for s in STEPS if s.name == "attention")
    sizes = {}
    normal = open_page("en", viewport=PROJECTOR)
    for mode, page in (("present", projector), ("normal", normal)):
        try:
            step.open(page, "en")
            step.run(page, "en")
            cell, width, inner = page.evaluate(CELL_JS)
            sizes[mode] = cell
            assert width <= inner + 1, f"{mode}: the example's map scrolls sideways"
        finally:
            keep_failure(page, request)
    assert sizes["present"] >= 1.5 * sizes["normal"], sizes
