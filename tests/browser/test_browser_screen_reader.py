"""What a screen reader says: every field has a real name, and no announcement is a raw key.

Gradio's progress tracker announces each finished event in a polite live region, and names a
text box without a label "Textbox". Both are read aloud, so both are checked here: the names
through Chromium's accessibility tree (``aria_snapshot``), the announcements by recording
every text that appears in an ``aria-live`` region while a view runs.
"""

from __future__ import annotations

import re

import pytest

from .conftest import keep_failure
from .pages import panel, say
from .tour import STEPS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# Live regions clear themselves after a second; a recorder started before the run keeps all.
RECORD_LIVE_JS = """() => {
  const started = Array.isArray(window.lmSaid);
  window.lmSaid = [];
  if (started) return;  // one recorder per page
  new MutationObserver((changes) => {
    for (const change of changes) {
      const node = change.target.nodeType === 3 ? change.target.parentElement : change.target;
      const live = node && node.closest && node.closest('[aria-live]');
      const text = live && live.textContent.trim();
      if (text) window.lmSaid.push(text);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
RAW_KEY = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")  # "common.complete": a key, not a sentence
GRADIO_DEFAULT_NAMES = ("Textbox",)  # what Gradio calls a text box that has no label
TEXTBOX = re.compile(r"^\s*- textbox(?: \"(?P<name>[^\"]*)\"| '(?P<quoted>[^']*)')?",
                     re.MULTILINE)


def textbox_names(page) -> list[str]:
    """The accessible names of the text boxes in the selected tab, as a screen reader says."""
    tree = panel(page).aria_snapshot()
    return [m["name"] or m["quoted"] or "" for m in TEXTBOX.finditer(tree)]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize("name", ["neighbors", "bias_probe"])
def test_a_run_is_announced_in_words_and_every_field_is_named(module_pages, language, name,
                                                               request):
    page = module_pages(language)
    step = next(s for s in STEPS if s.name == name)
    try:
        step.open(page, language)
        page.evaluate(RECORD_LIVE_JS)
        step.run(page, language)
        # Gradio spaces its announcements up to 5 s apart: wait for "done" to be said.
        page.wait_for_function("() => window.lmSaid.length > 0", timeout=15_000)
        page.wait_for_timeout(5_500)
        said = page.evaluate("window.lmSaid")
        raw = sorted({text for text in said if RAW_KEY.match(text)})
        assert not raw, f"a screen reader reads raw keys aloud: {raw}"
        assert say(language, "common.complete") in said, said

        names = textbox_names(page)
        assert names, "no text box found in the accessibility tree"
        bare = [n for n in names if not n.strip() or n in GRADIO_DEFAULT_NAMES]
        assert not bare, f"text boxes without a name of their own: {names}"
        assert say(language, "link_box") in names
    finally:
        keep_failure(page, request)
