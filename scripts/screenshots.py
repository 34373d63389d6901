"""Screenshot every tab of the running app with headless Chromium (for the README and review).

    python scripts/screenshots.py --model gemma-3-270m           # the real bundled model
    python scripts/screenshots.py --model path/to/tiny-gpt2      # any model, layout only

Needs the ``playwright`` Python package (requirements-dev.txt) and a system Chromium; it
never downloads a browser. PNGs go to assets/screenshots/.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lmdemo.bench.startup import free_port  # noqa: E402
from lmdemo.config import AppConfig, default_cache_dir  # noqa: E402
from lmdemo.tasks import get_task  # noqa: E402

OUT = ROOT / "assets" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 120_000  # the slowest step (sampling continuations on a CPU) stays well under this



def idle(page) -> None:
    """Wait until Gradio shows no progress indicator (every event has finished)."""
    page.wait_for_timeout(300)
    page.wait_for_function("!document.querySelector('.progress-text, .eta-bar, .generating')",
                           timeout=WAIT_MS)
    page.wait_for_timeout(300)


def shot(page, name: str) -> None:
    """Save a full-page PNG."""
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"saved {path.relative_to(ROOT)}")


def open_tab(page, name: str) -> None:
    """Click the tab button called ``name`` (the first visible one)."""
    page.get_by_role("tab", name=name, exact=True).first.click()
    page.wait_for_timeout(400)


def click(page, name: str) -> None:
    """Click the visible button called ``name``."""
    page.get_by_role("button", name=name, exact=True).locator("visible=true").first.click()


def fill(page, label: str, text: str) -> None:
    """Type ``text`` into the visible textbox labelled ``label``."""
    page.get_by_label(label, exact=True).locator("visible=true").first.fill(text)


def task_tabs(page) -> None:
    """The Generate tab after one run, and Summarize with the TL;DR comparison."""
    open_tab(page, "Generate")
    fill(page, "Prompt", get_task("generate").examples[1][0])
    click(page, "Run")
    idle(page)
    shot(page, "01-generate")
    open_tab(page, "Summarize")
    fill(page, "Article", get_task("summarize").examples[0][0])
    page.get_by_text("Compare with and without “TL;DR:”").locator("visible=true").first.click()
    page.wait_for_timeout(300)
    click(page, "Run both")
    idle(page)
    shot(page, "02-summarize-tldr")


def inspect_tabs(page) -> None:
    """Run each "Look inside" view once and save it."""
    open_tab(page, "Look inside")
    open_tab(page, "Tokenizer")
    click(page, "Tokenize")
    page.wait_for_selector(".lm-chip", timeout=WAIT_MS)
    idle(page)
    shot(page, "03-tokenizer")

    open_tab(page, "Next token")
    click(page, "Show the next-token odds")
    page.wait_for_selector(".lm-bars [data-pick]", timeout=WAIT_MS)
    idle(page)
    page.locator(".lm-bars .lm-track[data-pick]").locator("visible=true").first.click()  # top token
    idle(page)
    shot(page, "04-next-token")

    open_tab(page, "Generation")
    click(page, "Run")
    page.wait_for_selector(".lm-text [data-pick]", timeout=WAIT_MS)
    idle(page)
    page.locator(".lm-text [data-pick]").locator("visible=true").nth(2).click()
    idle(page)
    click(page, "Branch: continue from there with this token")  # the runner-up is preselected
    idle(page)
    shot(page, "05-generation")

    open_tab(page, "Attention")
    click(page, "Show attention")
    page.wait_for_selector(".lm-heat", timeout=WAIT_MS)
    idle(page)
    shot(page, "06-attention")

    open_tab(page, "Embeddings")
    click(page, "Find neighbours")
    click(page, "Draw the map")
    page.wait_for_selector(".lm-wrap svg", timeout=WAIT_MS)
    idle(page)
    shot(page, "07-embeddings")

    open_tab(page, "Bias probe")
    click(page, "Compare")
    page.wait_for_selector(".lm-cont", timeout=WAIT_MS)
    idle(page)
    shot(page, "08-bias-probe")


def chinese(browser, url: str) -> None:
    """The tokenizer view with a Chinese browser locale, to check the translations."""
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.goto(url)
    page.wait_for_selector("#model-banner strong", timeout=WAIT_MS)
    open_tab(page, "模型内部")
    open_tab(page, "分词器")
    click(page, "分词")
    page.wait_for_selector(".lm-chip", timeout=WAIT_MS)
    idle(page)
    shot(page, "09-tokenizer-zh-CN")
    page.close()


def main() -> None:
    """Serve the app on a free port, drive it with headless Chromium, save the PNGs."""
    from playwright.sync_api import sync_playwright

    from lmdemo.ui.launch import serve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    OUT.mkdir(parents=True, exist_ok=True)
    config = AppConfig(model=args.model, cache_dir=args.cache_dir, host="127.0.0.1",
                       port=free_port())
    demo, service = serve(config, block=False)
    url = f"http://127.0.0.1:{config.port}/"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 900})
            page.goto(url)
            page.wait_for_selector("#model-banner strong", timeout=WAIT_MS)
            try:
                task_tabs(page)
                inspect_tabs(page)
            except Exception:
                shot(page, "failed")  # what the page looked like when a step timed out
                raise
            page.close()
            chinese(browser, url)
            browser.close()
    finally:
        demo.close()
        service.close()


if __name__ == "__main__":
    main()
