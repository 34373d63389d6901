"""Prompting effects: the Summarize tab's article run with and without the "TL;DR:" cue."""

from __future__ import annotations

from collections.abc import Sequence

import gradio as gr

from ...inspection import compare_stream
from ...runtime import Runtime
from ..adapters import user_errors
from ..controls import params_from_controls
from ..i18n import t


def build_tldr_compare(runtime: Runtime, inputs: Sequence[gr.components.Component],
                       template: gr.Textbox, controls: Sequence[gr.components.Component]) -> None:
    """Add the with/without "TL;DR:" comparison under the Summarize tab's outputs.

    ``controls`` are the decoding controls in ``CONTROL_NAMES`` order; ``template`` is the
    tab's own template box, which the comparison leaves aside (it uses the paper's prompt).
    """

    def compare(article: str, *values: object):
        yield from compare_stream(runtime, article, params_from_controls(*values))

    with gr.Accordion(t("tldr_compare"), open=False):
        gr.Markdown(t("tldr_help"))
        go = gr.Button(t("tldr_run"), variant="primary")
        with gr.Row():
            with_cue = gr.Textbox(label=t("tldr_with"), lines=6, interactive=False)
            without = gr.Textbox(label=t("tldr_without"), lines=6, interactive=False)
    go.click(user_errors(compare), inputs=[inputs[0], *controls],
             outputs=[with_cue, without], api_visibility="private", concurrency_limit=None)
