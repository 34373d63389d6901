"""Optional panels some task tabs add beside their output; a new task needs none.

Each takes the runtime and the tab's widgets (``TabParts``) and is built inside the tab.
"""

from __future__ import annotations

import gradio as gr

from ...params import make_params
from ...runtime import Runtime
from ...tasks import get_task
from ..adapters import user_errors
from ..i18n import t
from .inspect_prompting import build_tldr_compare


def sentiment_details(runtime: Runtime, parts) -> None:
    """The label probabilities before calibration, beside the calibrated ones."""
    task = get_task("sentiment")
    raw = gr.Label(num_top_classes=2, label=t("before_calibration"))

    def details(text: str, template: str, calibrate: bool) -> dict:
        run = task.run(runtime, {"text": text, "calibrate": calibrate}, make_params(),
                       template or None)
        return run.result.raw  # type: ignore[attr-defined]

    parts.run.click(user_errors(details),
          inputs=[parts.inputs[0], parts.template, *parts.flags], outputs=raw,
          api_visibility="private", show_progress="hidden")


def tldr_compare(runtime: Runtime, parts) -> None:
    """The Summarize tab's with/without "TL;DR:" comparison."""
    build_tldr_compare(runtime, parts.inputs, parts.template, parts.controls)


EXTRAS = {"summarize": tldr_compare, "sentiment": sentiment_details}
