"""Driving lmdemo's page in Chromium: tabs, buttons, outputs, toasts, and the visible text.

Widgets are found by the words the visitor reads, taken from the app's own string table
(``lmdemo.ui.strings.LANGUAGES``), so the same step works in English and in Chinese and a
renamed label breaks here too. The browser suite and ``scripts/screenshots.py`` share it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lmdemo.ui.strings import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "assets" / "screenshots"
CHROMIUM = os.environ.get("LMDEMO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LOCALES = {"en": "en-US", "zh-CN": "zh-CN"}
# The tiny random model answers in well under a second; a real model on a CPU needs minutes
# for the slowest step (sampling continuations), so its runs get the longer budget.
WAIT_MS = int(float(os.environ.get("LMDEMO_BROWSER_WAIT_S", "30")) * 1000)
# The tiny random model writes noise at ~10 tokens/s through the page: a dozen tokens show a
# run streams, and keep the suite short. A real model (screenshots) keeps each tab's default.
SHORT_RUNS = not os.environ.get("LMDEMO_BROWSER_MODEL")
SHORT_TOKENS = 12

# What must never be visible: Gradio's untranslated i18n payload, and a model's control
# tokens written out as text (issue 10, section 1).
RAW_I18N = ("__i18n__", "translation_metadata")
CONTROL_TOKENS = ("<start_of_image>", "<end_of_image>", "<pad>", "<unused", "<|endoftext|>",
                  "<end_of_turn>", "<start_of_turn>")
SCIENTIFIC = re.compile(r"\b\d(?:\.\d+)?e-\d+\b")  # 6.1e-04: a class reads percentages

# Everything a visitor can read: the rendered text plus the values of visible text fields
# (a textarea's value is not part of innerText).
VISIBLE_TEXT_JS = """() => {
  const shown = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const fields = [...document.querySelectorAll('textarea, input[type=text], input:not([type])')]
    .filter(shown).map((el) => el.value);
  return [document.body.innerText, ...fields].join('\\n');
}"""
BLOCK = "xpath=ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' block ')][1]"
OVERFLOW_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# Boxes that cut their content off sideways (overflow hidden or clip, content wider than the
# box). A box that scrolls (overflow auto) is fine; so are text fields, whose text scrolls,
# and Gradio's screen-reader-only labels, which are clipped on purpose.
CLIPPED_JS = """() => [...document.querySelectorAll('body *')].filter((el) => {
  if (!(el.offsetWidth || el.offsetHeight) || el.closest('.sr-only, [aria-hidden=true]'))
    return false;
  if (['INPUT', 'TEXTAREA'].includes(el.tagName)) return false;
  const style = getComputedStyle(el);
  return ['hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 2;
}).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
               + ` (${el.scrollWidth} px in ${el.clientWidth})`)"""
# Titles drawn over a result: a visible block title (Gradio's block label, or a field's
# title) whose box meets the box of something shown inside the same component, outside the
# title. Pairs come back as "title ⟂ tag.class text", at most a few per title.
COVERED_JS = """() => {
  const shown = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const panel = [...document.querySelectorAll('[role=tabpanel]')].filter(shown).pop();
  const meet = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
                         && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const titles = '[data-testid=block-label], [data-testid=block-info]';
  const results = '.html-container *, [data-testid=label-output-value] *';
  const found = [];
  for (const title of panel.querySelectorAll(titles)) {
    if (!shown(title) || title.closest('.sr-only, .hide, [aria-hidden=true]')) continue;
    const box = title.getBoundingClientRect();
    const block = title.closest('.block');
    const under = [...block.querySelectorAll(results)]
      .filter((el) => shown(el) && !el.contains(title) && !title.contains(el))
      .filter((el) => meet(box, el.getBoundingClientRect()));
    for (const el of under.slice(0, 3))
      found.push(`${title.textContent.trim().slice(0, 40)} ⟂ ${el.tagName.toLowerCase()}.`
                 + `${[...el.classList].join('.')} ${el.textContent.trim().slice(0, 20)}`);
  }
  return found;
}"""


def say(language: str, key: str) -> str:
    """The UI string ``key`` as a visitor with ``language`` reads it."""
    return LANGUAGES[language][key]


def screenshot_folder() -> Path | None:
    """Where this run saves the README screenshots: LMDEMO_SCREENSHOTS=1 means
    assets/screenshots/, another value is a folder; unset (or 0) saves none."""
    value = os.environ.get("LMDEMO_SCREENSHOTS", "")
    if value in ("", "0"):
        return None
    return SHOTS if value == "1" else Path(value)


def shot(page, name: str, folder: Path | None = None) -> Path | None:
    """Save a full-page PNG into ``folder`` (by default, the screenshot folder if any)."""
    folder = folder or screenshot_folder()
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, timeout=WAIT_MS)
    return path


def wait_ready(page) -> None:
    """Wait until the app has rendered and the server has filled in the model banner."""
    page.wait_for_selector("#model-banner strong", timeout=WAIT_MS)


def idle(page) -> None:
    """Wait until Gradio shows no progress indicator (every event has finished)."""
    page.wait_for_timeout(150)
    page.wait_for_function("!document.querySelector('.progress-text, .eta-bar, .generating')",
                           timeout=WAIT_MS)
    page.wait_for_timeout(150)


def exact(text: str) -> re.Pattern:
    """A pattern matching exactly ``text`` (surrounding whitespace allowed)."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def open_tab(page, label: str) -> None:
    """Select the tab called ``label``, through Gradio's "More tabs" menu on a narrow screen."""
    tab = page.get_by_role("tab", name=label, exact=True).locator("visible=true")
    if tab.count():
        tab.first.click(timeout=WAIT_MS)
    else:
        # Tabs that do not fit the bar move into a dropdown behind a "…" button.
        menu = page.locator(".overflow-menu").filter(
            has=page.locator(".overflow-dropdown button", has_text=exact(label))
        ).locator("visible=true")
        assert menu.count(), f"no tab and no overflow entry called {label!r}"
        menu.first.locator("> button").click(timeout=WAIT_MS)
        menu.first.locator(".overflow-dropdown button", has_text=exact(label)).click(
            timeout=WAIT_MS)
    page.wait_for_function(
        """(label) => [...document.querySelectorAll('[role=tab][aria-selected=true]')]
             .some((el) => el.textContent.trim() === label)""",
        arg=label, timeout=WAIT_MS)


def selected_tabs(page) -> list[str]:
    """The labels of the selected tabs, outer first (a "Look inside" view has two)."""
    return page.eval_on_selector_all(
        "[role=tab][aria-selected=true]", "els => els.map((el) => el.textContent.trim())")


def panel(page):
    """The innermost visible tab panel: where the selected tab's widgets live."""
    return page.locator("[role=tabpanel]").locator("visible=true").last


def button(page, label: str):
    """The visible button called ``label`` in the selected tab."""
    return panel(page).get_by_role("button", name=label, exact=True).locator(
        "visible=true").first


def click(page, label: str) -> None:
    """Click the visible button called ``label`` in the selected tab."""
    button(page, label).click(timeout=WAIT_MS)


def block(page, label: str):
    """The visible component (Gradio "block") whose label reads ``label``, in the selected tab."""
    title = panel(page).locator("[data-testid=block-info]", has_text=exact(label))
    return title.locator(BLOCK).locator("visible=true").first


def field(page, label: str):
    """The text field of the component labelled ``label`` in the selected tab.

    Found through the component's visible title: a read-only box with a copy button has no
    <label> tying the title to its textarea.
    """
    return block(page, label).locator("textarea, input").first


def fill(page, label: str, text: str) -> None:
    """Type ``text`` into the visible text field labelled ``label``."""
    field(page, label).fill(text, timeout=WAIT_MS)


def open_accordion(page, label: str) -> None:
    """Open the accordion titled ``label`` in the selected tab (if it is closed)."""
    title = page.locator("span", has_text=exact(label))
    head = panel(page).locator(".label-wrap").filter(has=title).locator("visible=true")
    head.first.wait_for(timeout=WAIT_MS)
    if "open" not in (head.first.get_attribute("class") or "").split():
        head.first.click(timeout=WAIT_MS)
    page.wait_for_timeout(150)


def set_number(page, label: str, value: float) -> None:
    """Type ``value`` into the number box of the slider or number field labelled ``label``."""
    box = block(page, label).locator("input[type=number]").first
    box.fill(str(value), timeout=WAIT_MS)
    box.press("Tab")


def wait_value(page, label: str) -> str:
    """Wait until the text field labelled ``label`` holds text; return it."""
    box = field(page, label)
    handle = box.element_handle(timeout=WAIT_MS)
    page.wait_for_function("(el) => el.value.trim().length > 0", arg=handle, timeout=WAIT_MS)
    return box.input_value()


def wait_for(page, selector: str) -> None:
    """Wait until ``selector`` is visible inside the selected tab."""
    panel(page).locator(selector).locator("visible=true").first.wait_for(timeout=WAIT_MS)


def visible_text(page) -> str:
    """All text a visitor can read right now, fields included."""
    return page.evaluate(VISIBLE_TEXT_JS)


def glitches(page) -> list[str]:
    """Raw i18n keys, control tokens and scientific numbers among the visible text."""
    text = visible_text(page)
    found = [f"raw i18n key {key!r}" for key in RAW_I18N if key in text]
    found += [f"control token {tok!r}" for tok in CONTROL_TOKENS if tok in text]
    numbers = dict.fromkeys(SCIENTIFIC.findall(text))  # once each, in page order
    found += [f"number {m!r} (write a percentage)" for m in numbers]
    return found


def error_messages(page) -> list[str]:
    """The texts of the error toasts on screen (Gradio groups repeats as "Error (2)")."""
    return page.locator("[data-testid=toast-text].error").all_inner_texts()


def dismiss_toasts(page) -> None:
    """Close every toast, so the next action's messages are counted alone."""
    for close in page.locator("[data-testid=toast-close]").all():
        if close.is_visible():
            close.click(timeout=WAIT_MS)
    page.wait_for_function("!document.querySelector('[data-testid=toast-body]')",
                           timeout=WAIT_MS)


def clipped(page) -> list[str]:
    """The visible boxes that cut their content off sideways (see CLIPPED_JS)."""
    return page.evaluate(CLIPPED_JS)


def covered(page) -> list[str]:
    """Titles in the selected tab drawn over the result they name (see COVERED_JS)."""
    return page.evaluate(COVERED_JS)


def overflow(page) -> tuple[int, int]:
    """(document width, viewport width): the first above the second scrolls sideways."""
    width, inner = page.evaluate(OVERFLOW_JS)
    return width, inner
