"""Follow the teacher (issue 20, part 2), in Chromium: one teacher page, three followers.

The followers show the teacher's tab, inputs and results within 2 s (a run, a token clicked in
the next-token explorer, an attention cell); one breaks away and rejoins; none can drive, not
even by pressing the page's hidden publish button or by guessing the teacher's key.
Elements are found by the ids lmdemo/ui/follow.py gives them (``class-link``, ``class-back``,
``class-status``, ``class-qr``...).
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlparse

import pytest

from .pages import WAIT_MS, click, fill, idle, open_tab, panel, say, set_number, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FOLLOW_S = 2.0  # the promise: a change shows on the followers within 2 s

# What a visitor sees of the views: selected tabs, the visible panel's fields (not its own
# link box) and results, and the attention cell picked on the map.
SNAPSHOT_JS = """() => {
  const shown = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const tabs = [...document.querySelectorAll('#main-tabs [role=tab][aria-selected=true]')]
    .map((el) => el.textContent.trim());
  const panel = [...document.querySelectorAll('#main-tabs [role=tabpanel]')]
    .filter(shown).pop();
  if (!panel) return JSON.stringify({tabs});
  const fields = [...panel.querySelectorAll('textarea, input[type=text], input[type=number]')]
    .filter((el) => shown(el) && !el.closest('.lm-link-row')).map((el) => el.value);
  const results = [...panel.querySelectorAll('.lm-view')].filter(shown)
    .map((el) => el.innerText.trim());
  const picked = [...panel.querySelectorAll('td[data-cell]')]
    .findIndex((td) => td.classList.contains('lm-picked'));
  return JSON.stringify({tabs, fields, results, picked});
}"""


def snapshot(page) -> str:
    return page.evaluate(SNAPSHOT_JS)


def shows(page, want: str, within_s: float = FOLLOW_S) -> float:
    """Wait until ``page`` shows ``want``; return how long it took (fails after ``within_s``)."""
    from playwright.sync_api import TimeoutError as Timeout

    started = time.perf_counter()
    try:
        page.wait_for_function(f"(want) => ({SNAPSHOT_JS})() === want", arg=want,
                               timeout=within_s * 1000)
    except Timeout:
        raise AssertionError(f"after {within_s} s the page shows\n{snapshot(page)}\n"
                             f"instead of\n{want}") from None
    return time.perf_counter() - started


def status(page) -> str:
    return page.locator("#class-status textarea, #class-status input").first.input_value()


def test_followers_follow_break_away_rejoin_and_cannot_drive(open_page):
    teacher = open_page(query="teach=1")
    link_box = teacher.locator("#class-link textarea, #class-link input").first
    teacher.wait_for_function("(el) => el.value.includes('follow=')",
                              arg=link_box.element_handle(), timeout=WAIT_MS)
    code = parse_qs(urlparse(link_box.input_value()).query)["follow"][0]
    assert teacher.locator("#class-qr img[src^='data:image/svg+xml']").count() == 1
    address = parse_qs(urlparse(teacher.url).query)
    assert address["teach"] == [code] and "key" not in address  # the projector shows no key
    teacher.locator("#class-secret .label-wrap").first.click()  # closed: a projector hides it
    secret = teacher.locator("#class-secret-link textarea, #class-secret-link input").first
    assert f"teach={code}&key=" in secret.input_value()

    followers = [open_page(query=f"follow={code}") for _ in range(3)]
    for page in followers:
        page.wait_for_function("document.body.classList.contains('lm-following')",
                               timeout=WAIT_MS)
        assert code in status(page)

    # A run: the attention map of the teacher's text, then one of its cells.
    open_tab(teacher, say("en", "tab_inspect"))
    open_tab(teacher, say("en", "tab_attention"))
    fill(teacher, say("en", "text"), "The cat sat on the mat because it was warm.")
    click(teacher, say("en", "attention_run"))
    idle(teacher)
    panel(teacher).locator("td[data-cell]").nth(12).click()
    want = snapshot(teacher)
    assert '"picked":12' in want and "cat" in want
    delays = [shows(page, want) for page in followers]
    # The teacher's own move of the layer slider redraws the map (an input event, so a
    # follower's page, whose slider the class moves, does not redraw from its empty state).
    set_number(teacher, say("en", "layer"), 1)
    teacher.wait_for_function("(old) => (%s)() !== old" % SNAPSHOT_JS, arg=want)
    idle(teacher)
    want = snapshot(teacher)
    assert '"fields":["The cat sat on the mat because it was warm.","1"]' in want
    delays += [shows(page, want) for page in followers]

    # A token clicked in the next-token explorer: the prompt grows by it on every page.
    open_tab(teacher, say("en", "tab_next_token"))
    fill(teacher, say("en", "prompt"), "Once upon a time")
    click(teacher, say("en", "next_token_run"))
    idle(teacher)
    panel(teacher).locator("[data-pick]").first.click()
    idle(teacher)
    want = snapshot(teacher)
    assert json.loads(want)["fields"][0] != "Once upon a time"  # the token was added
    delays += [shows(page, want) for page in followers]

    # One follower breaks away: its own tab stays while the others follow the teacher.
    away, *others = followers
    open_tab(away, say("en", "tab_attention"))
    away.wait_for_function("document.body.classList.contains('lm-away')")
    assert away.get_by_text(say("en", "class_away")).is_visible()
    assert not away.get_by_text(say("en", "class_following")).is_visible()
    fill(teacher, say("en", "prompt"), "The sea was calm")
    idle(teacher)
    want = snapshot(teacher)
    delays += [shows(page, want) for page in others]
    assert snapshot(away) != want and say("en", "tab_attention") in json.loads(
        snapshot(away))["tabs"]
    away.locator("#class-back").click()
    delays.append(shows(away, want))
    assert away.evaluate("document.body.classList.contains('lm-following')")
    assert away.get_by_text(say("en", "class_following")).is_visible()

    # Followers cannot drive: not by running, not by forcing the hidden publish button,
    # not with a guessed key.
    rebel = others[0]
    open_tab(rebel, say("en", "tab_tokens"))
    fill(rebel, say("en", "text"), "I am driving now")
    rebel.evaluate("document.getElementById('class-publish').click()")
    guesser = open_page(query=f"teach={code}&key=guess")
    guesser.wait_for_function("(t) => document.querySelector('#class-status textarea, "
                              "#class-status input')?.value === t",
                              arg=say("en", "class_bad_key"), timeout=WAIT_MS)
    assert "key" not in parse_qs(urlparse(guesser.url).query)
    open_tab(guesser, say("en", "tab_inspect"))
    open_tab(guesser, say("en", "tab_tokens"))
    fill(guesser, say("en", "text"), "Me too")
    rebel.wait_for_timeout(1500)
    for page in (teacher, away, others[1]):
        assert snapshot(page) == want

    # The teacher's page, reloaded, drives again with the key its browser tab kept, which
    # never shows in the address bar.
    teacher.reload()
    wait_ready(teacher)
    teacher.wait_for_function("(t) => document.querySelector('#class-status textarea, "
                              "#class-status input')?.value === t",
                              arg=say("en", "class_teaching").format(code=code), timeout=WAIT_MS)
    assert "key" not in parse_qs(urlparse(teacher.url).query)
    fill(teacher, say("en", "prompt"), "After the reload")
    for page in (away, others[1]):
        page.wait_for_function("() => [...document.querySelectorAll('textarea')]"
                               ".some((el) => el.value === 'After the reload')",
                               timeout=FOLLOW_S * 1000)

    # The teacher ends the class; followers are told.
    teacher.locator("#class-end").click()
    ended = say("en", "class_ended").format(code=code)
    for page in (away, others[1]):
        page.wait_for_function("(t) => document.querySelector('#class-status textarea, "
                               "#class-status input')?.value === t", arg=ended,
                               timeout=FOLLOW_S * 1000 + 1000)
    print(f"follow delays (s): {sorted(round(d, 2) for d in delays)}")


def test_a_bad_code_says_so(open_page):
    page = open_page("zh-CN", query="follow=nosuch")
    want = say("zh-CN", "class_unknown").format(code="nosuch")
    page.wait_for_function("(t) => document.querySelector('#class-status textarea, "
                           "#class-status input')?.value === t", arg=want, timeout=WAIT_MS)
    assert not page.evaluate("document.body.classList.contains('lm-following')")
