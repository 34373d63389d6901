"""Several models in one app (issue 20, section 1), in Chromium: the header's model picker
switches one page's model (its banner follows, after the load's progress) while a second
page keeps the first; a ``model=`` link opens on that model, and a name the app does not
offer is named in the link notice. Elements are found by the ids lmdemo/ui/picker.py and
lmdemo/ui/app.py give them (``model-picker``, ``model-banner``, ``link-notice``).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from lmdemo.config import AppConfig
from tests.conftest import build_tiny_gpt2
from tests.ui_server import running_app

from .conftest import new_page
from .pages import WAIT_MS, idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def two_models(chromium_path, tmp_path_factory) -> Iterator[tuple[str, tuple[str, str]]]:
    """(address, (first, second)): the app serving two tiny models, the first the default."""
    root = tmp_path_factory.mktemp("browser-models")
    # a folder's model is named after the folder: the banners tell them apart
    models = tuple(str(build_tiny_gpt2(root / f"build-{name}", seed).rename(root / name))
                   for seed, name in enumerate(("alpha", "omega")))
    config = AppConfig(models=models, cache_dir=root / "cache", quantize="none")
    with running_app(config) as (client, _):
        yield client.src.rstrip("/") + "/", models  # type: ignore[misc]


@pytest.fixture
def pages(browser, two_models) -> Iterator:
    """Open pages of the two-model app with ``pages(query)``; closed after the test."""
    opened = []

    def opener(query: str = ""):
        page = new_page(browser, two_models[0], query=query)
        opened.append(page)
        return page

    yield opener
    for page in opened:
        page.context.close()


def banner_model(page) -> str:
    """The model the banner names (its bold part)."""
    return page.locator("#model-banner strong").first.inner_text().strip()


def picked(page) -> str:
    return page.locator("#model-picker input").input_value()


def wait_banner(page, name: str) -> None:
    page.wait_for_function(
        "(name) => document.querySelector('#model-banner strong')?.textContent.trim() === name",
        arg=name, timeout=WAIT_MS)


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_the_picker_switches_one_pages_model_and_not_anothers(pages, two_models):
    _, (alpha, omega) = two_models
    mine, other = pages(), pages()
    assert banner_model(mine) == banner_model(other) == "alpha"
    assert picked(mine) == alpha and "model" not in query(mine)  # the default: not in the URL

    mine.locator("#model-picker input").click()
    mine.get_by_role("option", name=omega).click()
    wait_banner(mine, "omega")  # after the load's progress, omega's banner
    assert query(mine)["model"] == omega  # a reload or a copied link keeps the pick
    idle(mine)
    idle(other)
    assert banner_model(other) == "alpha" and picked(other) == alpha  # its own session
    assert "model" not in query(other)
    mine.reload()
    wait_banner(mine, "omega")
    assert picked(mine) == omega


def test_a_model_link_opens_on_that_model_and_a_bad_one_is_named(pages, two_models):
    _, (alpha, omega) = two_models
    page = pages(urlencode({"model": omega, "tab": "tokenize", "text": "Hi there"}))
    wait_banner(page, "omega")
    assert picked(page) == omega
    assert not page.locator("#link-notice").is_visible()

    asked = "gpt9 <b>bold</b>"
    page = pages(urlencode({"model": asked}))
    notice = page.locator("#link-notice")
    notice.wait_for(state="visible", timeout=WAIT_MS)
    text = notice.inner_text()
    assert asked in text and alpha in text and omega in text  # as text, tags and all
    assert banner_model(page) == "alpha" and picked(page) == alpha


def test_a_model_links_run_runs_on_that_model(pages, two_models):
    _, (alpha, omega) = two_models
    link = {"tab": "next_token", "prompt": "The capital of France is", "run": 1}

    def odds(page) -> str:
        bars = page.locator("#main-tabs .lm-view .lm-bars").locator("visible=true").first
        bars.wait_for(timeout=WAIT_MS)
        idle(page)
        return bars.inner_text()

    on_omega = pages(urlencode({"model": omega, **link}))
    on_alpha = pages(urlencode({"model": alpha, **link}))
    shown = odds(on_omega)
    assert shown != odds(on_alpha)  # two random models: their own next-token odds
    assert banner_model(on_omega) == "omega"
    # the same link again: the run was on omega, not on the default it started with
    assert odds(pages(urlencode({"model": omega, **link}))) == shown


def test_a_follower_is_shown_the_teachers_model(pages, two_models):
    _, (alpha, omega) = two_models
    teacher = pages("teach=1")
    link_box = teacher.locator("#class-link textarea, #class-link input").first
    teacher.wait_for_function("(el) => el.value.includes('follow=')",
                              arg=link_box.element_handle(), timeout=WAIT_MS)
    code = parse_qs(urlparse(link_box.input_value()).query)["follow"][0]
    follower = pages(f"follow={code}")
    follower.wait_for_function("document.body.classList.contains('lm-following')",
                               timeout=WAIT_MS)
    assert banner_model(follower) == "alpha"

    teacher.locator("#model-picker input").click()
    teacher.get_by_role("option", name=omega).click()
    wait_banner(teacher, "omega")
    wait_banner(follower, "omega")  # the follower's picker, and so its model, follow
    assert picked(follower) == omega
