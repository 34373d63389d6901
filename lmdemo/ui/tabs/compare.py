"""Compare models: two of the app's models side by side on one text (``?tab=compare``).

Each column shows one model's tokens and count, its ten likeliest next tokens under the
decoding settings, the exact prompt it got and what it wrote; both write at the same time
(lmdemo/inspection/compare.py). ``models=a,b`` in a link picks the two; an app started
without ``--models`` offers one model, and the tab says how to start it with two.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import gradio as gr

from ...inspection.compare import (
    DEFAULT_TASK,
    answers,
    comparable_task,
    comparable_tasks,
    compare,
    inspect_side,
    pick_models,
    wait_loaded,
)
from ...params import make_params
from ...shelf import Shelf
from ...tasks import get_task
from ..adapters import user_errors
from ..controls import CONTROL_NAMES, decoding_controls, params_from_controls
from ..endpoints import control_help, publish
from ..i18n import t
from ..links import LinkTarget
from ..plain import PlainText
from . import inspect_html as H

EXAMPLE = "The capital of France is"
# The generate task's settings (its tab's defaults), and its seed
DEFAULTS: dict[str, object] = {"seed": 42, "stop": "", **get_task(DEFAULT_TASK).defaults}


@dataclass(frozen=True)
class Column:
    """One model's outputs."""

    name: PlainText
    count: gr.Number
    tokens: gr.HTML
    next: gr.HTML
    sent: gr.Textbox
    output: gr.Textbox

    @property
    def outputs(self) -> list[gr.components.Component]:
        """All of them, in the event's output order."""
        return [self.name, self.count, self.tokens, self.next, self.sent, self.output]


def pairs(shelf: Shelf) -> list[tuple[str, str]]:
    """Every ordered pair of offered models, as the dropdown's (label, "a,b") choices."""
    return [(f"{a} ↔ {b}", f"{a},{b}") for a in shelf.names for b in shelf.names if a != b] \
        if shelf.several else []


def shown(output: object) -> str:
    """A task's answer as text: a score's labels as JSON."""
    return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)


def _column(title: str) -> Column:
    with gr.Column(min_width=280):
        name = PlainText(title, elem_classes="lm-compare-model")
        count = gr.Number(label=t("compare_token_count"), interactive=False)
        tokens = H.view("compare_tokens")
        top = H.view("compare_next")
        sent = gr.Textbox(label=t("sent_prompt"), lines=2, max_lines=8, interactive=False)
        output = gr.Textbox(label=t("output"), lines=4, max_lines=20, interactive=False)
    return Column(name, count, tokens, top, sent, output)


def build_compare_tab(shelf: Shelf) -> LinkTarget:
    """Add the Compare tab and its ``/compare`` endpoint."""

    def api(prompt: str, models: str = "", task: str = DEFAULT_TASK,
            temperature: float = DEFAULTS["temperature"], top_k: int = DEFAULTS["top_k"],
            top_p: float = DEFAULTS["top_p"], max_new_tokens: int = DEFAULTS["max_new_tokens"],
            repetition_penalty: float = DEFAULTS["repetition_penalty"],
            seed: int = DEFAULTS["seed"], stop: str = DEFAULTS["stop"]) -> dict:
        names = pick_models(shelf, models)
        params = make_params(temperature, top_k, top_p, max_new_tokens, repetition_penalty,
                             seed, stop)
        with shelf.holding(names) as runtimes:
            wait_loaded(runtimes)
            return compare(runtimes, names, prompt, params, task)

    def press(prompt: str, models: str, task: str, *controls: object):
        if not shelf.several:  # the tab's note says how to start the app with two models
            yield {column.name: "" for column in columns}
            return
        names = pick_models(shelf, models)
        chosen = comparable_task(task)
        params = params_from_controls(*controls)
        with shelf.holding(names) as runtimes:
            wait_loaded(runtimes)
            head: dict = {}
            for column, name, runtime in zip(columns, names, runtimes, strict=True):
                view = inspect_side(runtime, prompt, params)
                rows = [{"display": c["display"], "value": c["probability"]}
                        for c in view["next_tokens"]]
                head.update({column.name: name, column.count: view["token_count"],
                             column.tokens: H.chips(view["tokens"]), column.next: H.bars(rows),
                             column.sent: "", column.output: ""})
            yield head
            for sides in answers(runtimes, chosen, prompt, params):
                yield {value: update for column, side in zip(columns, sides, strict=True)
                       for value, update in ((column.sent, side["prompt"]),
                                             (column.output, shown(side["output"])))}

    choices = pairs(shelf)
    with gr.Tab(t("tab_compare"), id="compare"):
        # The API endpoint lives in the tab: a gr.Tabs may hold only gr.Tab children.
        publish(api, "compare",
                "Two of the app's models side by side on one text: each one's tokens, its 10 "
                "likeliest next tokens, and its answer to a task, both run with the same "
                "settings and seed.",
                {"prompt": "The text both models read.",
                 "models": "Two of the app's models, separated by a comma (a,b); empty means "
                           "the first two it offers.",
                 "task": "The task both run on the prompt: one of "
                         f"{', '.join(comparable_tasks())}.",
                 **{name: control_help(name) for name in CONTROL_NAMES}},
                'A JSON object: "prompt", "task", and "models", one entry per model with '
                '"model", "tokens" (each "token", "display", its visible form, and "id"), '
                '"token_count", "next_tokens" (each "token" and "probability", likeliest '
                'first), "sent", the exact text the model got, and "output", its answer.')
        gr.Markdown(t("explain_compare"), elem_classes="lm-explain")
        gr.Markdown(t("compare_one_model"), visible=not shelf.several,
                    elem_id="compare-one-model")
        with gr.Row():
            with gr.Column(scale=2):
                prompt = gr.Textbox(value=EXAMPLE, label=t("prompt"), lines=3, max_lines=12)
            with gr.Column(scale=1):
                # Custom values reach the core, whose message names the offered models.
                models = gr.Dropdown(choices, value=choices[0][1] if choices else None,
                                     allow_custom_value=True, label=t("compare_models"))
                task = gr.Dropdown(list(comparable_tasks()), value=DEFAULT_TASK,
                                   allow_custom_value=True, label=t("compare_task"))
        controls = decoding_controls(DEFAULTS)
        with gr.Row():
            go = gr.Button(t("compare"), variant="primary")
            stop = gr.Button(t("stop"), variant="stop")  # cancels both models' requests
        with gr.Row(equal_height=False):
            columns = [_column(name) for name in shelf.names[:2]] if shelf.several else \
                [_column(""), _column("")]
    event = gr.on([go.click, prompt.submit], user_errors(press),
                  inputs=[prompt, models, task, *controls],
                  outputs=[out for column in columns for out in column.outputs],
                  api_visibility="private", concurrency_limit=None)
    stop.click(fn=None, cancels=[event])
    return LinkTarget("compare", "compare",
                      {"prompt": prompt, "models": models, "task": task,
                       **dict(zip(CONTROL_NAMES, controls, strict=True))}, go)
