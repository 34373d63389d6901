"""Prompting effects: the Summarize tab's article run with and without the "TL;DR:" cue."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import gradio as gr

from ...tasks import TaskService
from ...tasks.base import TaskRun
from ..adapters import user_errors
from ..controls import params_from_controls
from ..i18n import t

# The GPT-2 paper's zero-shot summary prompt, and the same prompt without its cue. Fixed
# here rather than taken from the Summarize tab's template, which may not use "TL;DR:".
WITH_CUE = "{article}\n\nTL;DR:"
WITHOUT_CUE = "{article}\n\n"


def compare_stream(service: TaskService, article: str,
                   controls: Sequence[object]) -> Iterator[tuple[str, str]]:
    """Start both prompts at once (the engine runs them side by side); yield both answers."""
    params = params_from_controls(*controls)
    runs: list[TaskRun] = [service.run("summarize", article, params=params, template=template)
                           for template in (WITH_CUE, WITHOUT_CUE)]
    with_text = ""
    for with_text in runs[0].stream():
        yield with_text, ""
    for without_text in runs[1].stream():  # mostly done by now: it ran alongside the first
        yield with_text, without_text


def build_tldr_compare(service: TaskService, inputs: Sequence[gr.components.Component],
                       template: gr.Textbox, controls: Sequence[gr.components.Component]) -> None:
    """Add the with/without "TL;DR:" comparison under the Summarize tab's outputs."""

    def compare(article: str, *controls: object):
        yield from compare_stream(service, article, controls)

    with gr.Accordion(t("tldr_compare"), open=False):
        gr.Markdown(t("tldr_help"))
        go = gr.Button(t("tldr_run"), variant="primary")
        with gr.Row():
            with_cue = gr.Textbox(label=t("tldr_with"), lines=6, interactive=False)
            without = gr.Textbox(label=t("tldr_without"), lines=6, interactive=False)
    go.click(user_errors(compare), inputs=[inputs[0], *controls],
             outputs=[with_cue, without], api_visibility="private", concurrency_limit=None)
