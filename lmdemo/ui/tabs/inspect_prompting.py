"""Prompting effects: the Summarize tab's article run with and without the "TL;DR:" cue."""

from __future__ import annotations

from collections.abc import Sequence

import gradio as gr

from ...inspection.prompting import compare_sides, stream_sides
from ...runtime import Runtime
from ..adapters import user_errors, visitor_language
from ..controls import params_from_controls
from ..i18n import say, t
from ..plain import PlainText


def build_tldr_compare(runtime: Runtime, inputs: Sequence[gr.components.Component],
                       template: gr.Textbox, controls: Sequence[gr.components.Component]) -> None:
    """Add the with/without "TL;DR:" comparison under the Summarize tab's outputs.

    ``controls`` are the decoding controls in ``CONTROL_NAMES`` order; ``template`` is the
    tab's own template box, which the comparison leaves aside (it uses the paper's prompt).
    Both sides show the exact prompt sent and the rule that ends them.
    """

    # Not "compare": Gradio names an event after its function, and /compare is the
    # Compare tab's public endpoint (lmdemo/ui/tabs/compare.py).
    def tldr_compare(article: str, *values: object):
        sides = compare_sides(runtime, article, params_from_controls(*values))
        rule = say("tldr_rule", visitor_language(), max_new=sides[0].params.max_new_tokens)
        yield "", "", sides[0].prompt, sides[1].prompt, rule
        for with_text, without_text in stream_sides(runtime, sides):
            yield with_text, without_text, gr.skip(), gr.skip(), gr.skip()

    with gr.Accordion(t("tldr_compare"), open=False):
        gr.Markdown(t("tldr_help_plain"))
        with gr.Row():
            go = gr.Button(t("tldr_run"), variant="primary")
            stop = gr.Button(t("stop"), variant="stop")  # cancels both sides' requests
        rule = PlainText()
        with gr.Row():
            with_cue = gr.Textbox(label=t("tldr_with"), lines=6, interactive=False)
            without = gr.Textbox(label=t("tldr_without"), lines=6, interactive=False)
        with gr.Row():
            with_prompt = gr.Textbox(label=t("tldr_prompt_with"), lines=3, max_lines=8,
                                     interactive=False, buttons=["copy"])
            without_prompt = gr.Textbox(label=t("tldr_prompt_without"), lines=3, max_lines=8,
                                        interactive=False, buttons=["copy"])
    event = go.click(user_errors(tldr_compare), inputs=[inputs[0], *controls],
                     outputs=[with_cue, without, with_prompt, without_prompt, rule],
                     api_visibility="private", concurrency_limit=None)
    stop.click(fn=None, cancels=[event])
