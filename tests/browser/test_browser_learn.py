"""Every Learn link, followed in Chromium: it opens its view, runs its example, and the
visitor sees no error (issue 18, section 4).

A link with ``run=1`` presses the view's Run button (``run-NAME``) once the page has loaded.
The page records that press and the progress indicators Gradio shows while the event runs
(init script below), so the test waits for the run itself to finish, however fast.
"""

from __future__ import annotations

import pytest

from tests.ui.test_learn import learn_links

from .pages import WAIT_MS, error_messages, glitches, idle, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Set before the app's scripts run: note the Run press and whether a progress indicator
# appeared after it (an event that fails at once still shows one for a frame).
WATCH_RUN_JS = """
window.__lmRun = {pressed: false, shown: false};
document.addEventListener('click', (e) => {
  if (e.target.closest && e.target.closest('button[id^="run-"]')) window.__lmRun.pressed = true;
}, true);
new MutationObserver(() => {
  if (window.__lmRun.pressed && document.querySelector('.progress-text, .eta-bar, .generating'))
    window.__lmRun.shown = true;
}).observe(document, {subtree: true, childList: true, attributes: true});
"""


@pytest.fixture(scope="module")
def learn_page(browser):
    """One English page whose context watches each Run press."""
    from .pages import DESKTOP, LOCALES

    context = browser.new_context(locale=LOCALES["en"], viewport=DESKTOP)
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(WATCH_RUN_JS)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("url", learn_links())
def test_every_learn_link_runs_its_example_without_an_error(learn_page, app_url, url):
    page = learn_page
    page.goto(app_url + url, timeout=WAIT_MS)
    wait_ready(page)
    page.wait_for_function("() => window.__lmRun.pressed && window.__lmRun.shown",
                           timeout=WAIT_MS)
    idle(page)
    notice = page.locator("#link-notice")
    assert not (notice.count() and notice.is_visible()), notice.inner_text()
    assert error_messages(page) == [], url
    assert glitches(page) == []
