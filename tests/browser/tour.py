"""One step per tab: open it, run it as a visitor would, wait for its output.

Each step takes a page showing the app and the visitor's language, checks that the tab
produced its output, and names the README screenshot it is the picture for. The browser
suite runs every step in English and Chinese; ``scripts/screenshots.py`` runs the same
steps with LMDEMO_SCREENSHOTS=1 to refresh ``assets/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lmdemo.tasks import all_tasks, get_task
from lmdemo.tasks.contract import CHOICE, FLAG

from .pages import (
    SHORT_RUNS,
    SHORT_TOKENS,
    button,
    click,
    field,
    fill,
    idle,
    open_accordion,
    open_tab,
    panel,
    say,
    set_number,
    wait_for,
    wait_value,
)


@dataclass(frozen=True)
class Step:
    """A tab to visit: its labels from the outer tab in, what to do there, its screenshot."""

    name: str
    tabs: tuple[str, ...]  # string keys: ("tab_generate",) or ("tab_inspect", "tab_tokens")
    run: Callable[[object, str], None]
    shot: str | None = None  # the README picture this step leaves on screen, in English

    def open(self, page, language: str) -> None:
        """Select this step's tab (and the outer tab around it)."""
        for key in self.tabs:
            open_tab(page, say(language, key))


def fill_example(page, language: str, task_name: str) -> None:
    """Type the task's first example into its text fields (choices keep their default); a
    task without examples keeps its fields as they are."""
    task = get_task(task_name)
    if not task.examples:
        return
    for f, value in zip(task.inputs, task.examples[0], strict=False):
        if f.kind not in (CHOICE, FLAG):
            fill(page, say(language, f.label), str(value))


def shorten(page, language: str, label_key: str = "max_new_tokens") -> None:
    """On the tiny model, cap the run at a dozen tokens (its text is noise anyway)."""
    if SHORT_RUNS:
        set_number(page, say(language, label_key), SHORT_TOKENS)


def examples_headers(page, language: str, task_name: str) -> None:
    """A task with several inputs lists its examples in a table headed by the field labels."""
    task = get_task(task_name)
    if len(task.inputs) < 2 or not task.examples:
        return
    headers = panel(page).locator("table thead th").locator("visible=true")
    headers.first.wait_for()
    shown = [h.strip() for h in headers.all_inner_texts()]
    labels = [say(language, f.label) for f in task.inputs]
    assert shown == labels, f"the Examples table is headed {shown}, not {labels}"


def run_task(task_name: str) -> Callable[[object, str], None]:
    """A step that runs a task tab on its first example and waits for the answer."""
    task = get_task(task_name)

    def run(page, language: str) -> None:
        fill_example(page, language, task_name)
        if task.streams:
            open_accordion(page, say(language, "decoding"))
            shorten(page, language)
        click(page, say(language, "run"))
        if task.streams:
            assert wait_value(page, say(language, task.output)).strip()
        else:  # a label's probabilities, e.g. sentiment
            wait_for(page, "[data-testid=label-output-value]")
        idle(page)
        examples_headers(page, language, task_name)

    return run


def summarize(page, language: str) -> None:
    """Summarize the example, then compare the article with and without "TL;DR:"."""
    run_task("summarize")(page, language)
    panel(page).get_by_text(say(language, "tldr_compare"), exact=True).locator(
        "visible=true").first.click()
    click(page, say(language, "tldr_run"))
    assert wait_value(page, say(language, "tldr_with")).strip()
    assert wait_value(page, say(language, "tldr_without")).strip()
    idle(page)


def tokenizer(page, language: str) -> None:
    """Cut the example text into chips, for the live model and for GPT-2."""
    click(page, say(language, "tokenize"))
    wait_for(page, ".lm-chip")
    idle(page)


def next_token(page, language: str) -> None:
    """Show the odds, then click the top bar: its token is appended to the prompt."""
    prompt = field(page, say(language, "prompt"))
    before = prompt.input_value()
    click(page, say(language, "next_token_run"))
    wait_for(page, ".lm-bars [data-pick]")
    idle(page)
    panel(page).locator(".lm-bars .lm-track[data-pick]").locator("visible=true").first.click()
    idle(page)
    assert len(prompt.input_value()) > len(before), "clicking a bar adds its token"


def generation(page, language: str) -> None:
    """Generate with colours, click the third token, branch with the preselected runner-up."""
    open_accordion(page, say(language, "decoding"))
    shorten(page, language)
    click(page, say(language, "run"))
    tokens = panel(page).locator(".lm-text [data-pick]").locator("visible=true")
    tokens.nth(2).wait_for(timeout=30_000)
    idle(page)
    tokens.nth(2).click()
    idle(page)
    branch = button(page, say(language, "branch"))
    if branch.is_enabled():  # a token the model was certain of offers no other choice
        branch.click()
        idle(page)
    assert tokens.count() >= 3


def attention(page, language: str) -> None:
    """Draw the attention heatmap of the example sentence."""
    click(page, say(language, "attention_run"))
    wait_for(page, ".lm-heat td")
    idle(page)


def embeddings(page, language: str) -> None:
    """A word's nearest tokens as bars, then the map of the word list."""
    click(page, say(language, "find_neighbors"))
    wait_for(page, ".lm-bars")
    click(page, say(language, "draw_map"))
    wait_for(page, ".lm-wrap svg")
    idle(page)


def bias_probe(page, language: str) -> None:
    """Compare the two fillers' odds and sampled continuations."""
    shorten(page, language)
    click(page, say(language, "compare"))
    wait_for(page, ".lm-cont")
    idle(page)


TASK_SHOTS = {"generate": "01-generate", "summarize": "02-summarize-tldr"}
TASK_STEPS = tuple(
    Step(task.name, (task.title,), summarize if task.name == "summarize" else run_task(task.name),
         TASK_SHOTS.get(task.name))
    for task in all_tasks())
VIEW_STEPS = (
    Step("tokenize", ("tab_inspect", "tab_tokens"), tokenizer, "03-tokenizer"),
    Step("next_token", ("tab_inspect", "tab_next_token"), next_token, "04-next-token"),
    Step("generation", ("tab_inspect", "tab_generation"), generation, "05-generation"),
    Step("attention", ("tab_inspect", "tab_attention"), attention, "06-attention"),
    Step("neighbors", ("tab_inspect", "tab_embeddings"), embeddings, "07-embeddings"),
    Step("bias_probe", ("tab_inspect", "tab_bias"), bias_probe, "08-bias-probe"),
)
STEPS = (*TASK_STEPS, *VIEW_STEPS)
# The Chinese picture in the README: the tokenizer, whose example mixes English and Chinese.
ZH_SHOTS = {"tokenize": "09-tokenizer-zh-CN"}
