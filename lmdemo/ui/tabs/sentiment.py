"""The Sentiment tab: label-word probabilities, before and after calibration."""

from __future__ import annotations

import gradio as gr

from ...tasks import TaskService
from ...tasks.sentiment import TEMPLATE
from ..adapters import user_errors
from ..i18n import t
from .examples import SENTIMENT


def build_sentiment_tab(service: TaskService) -> None:
    """Add the Sentiment tab and its ``/sentiment`` endpoint."""

    def sentiment(text: str, template: str = TEMPLATE, calibrate: bool = True) -> dict:
        return service.sentiment(text, template or None, bool(calibrate)).calibrated

    def details(text: str, template: str, calibrate: bool) -> tuple[dict, str]:
        result = service.sentiment(text, template or None, False)
        return result.raw, result.prompt

    with gr.Tab(t("tab_sentiment"), id="sentiment"):
        gr.Markdown(t("help_sentiment"))
        with gr.Row():
            with gr.Column():
                text = gr.Textbox(label=t("text"), lines=4, max_lines=30)
                calibrate = gr.Checkbox(value=True, label=t("calibrate"))
                run = gr.Button(t("run"), variant="primary")
            with gr.Column():
                label = gr.Label(num_top_classes=2, label=t("sentiment_label"))
                raw = gr.Label(num_top_classes=2, label=t("before_calibration"))
        with gr.Accordion(t("prompt_sent"), open=False):
            template = gr.Textbox(value=TEMPLATE, lines=8, label=t("template"))
            sent = gr.Textbox(lines=8, interactive=False, label=t("sent_prompt"))
        gr.Examples(list(SENTIMENT), inputs=[text], label=t("examples"))
    triggers = [run.click, text.submit]
    gr.on(triggers, user_errors(sentiment), inputs=[text, template, calibrate], outputs=label,
          api_name="sentiment")
    gr.on(triggers, user_errors(details), inputs=[text, template, calibrate],
          outputs=[raw, sent], api_visibility="private", show_progress="hidden")
