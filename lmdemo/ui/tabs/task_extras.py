"""Optional panels some task tabs add beside their output; a new task needs none.

Each takes the runtime and the tab's widgets (``TabParts``) and is built inside the tab. A panel
that shows more of the Run result returns an ``ExtraPanel``: its widgets join the Run event's
outputs and ``fill`` words them from the same run, so nothing runs twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import gradio as gr

from ...runtime import Runtime
from ..i18n import t
from .inspect_prompting import build_tldr_compare


@dataclass(frozen=True)
class ExtraPanel:
    """Widgets filled from the Run result: ``fill(run, language) -> {widget: value}``."""

    outputs: Sequence[gr.components.Component]
    fill: Callable[[object, str], Mapping[gr.components.Component, object]]


def sentiment_details(runtime: Runtime, parts) -> ExtraPanel:
    """The label probabilities before calibration, beside the calibrated ones (one pass)."""
    raw = gr.Label(num_top_classes=2, label=t("before_calibration"))

    def fill(run, language: str) -> dict:
        if run.calibrated:
            return {parts.output: gr.update(value=run.answer(), label=t("sentiment_label")),
                    raw: gr.update(value=run.result.raw, visible=True)}
        # Off: the answer is the raw distribution; a second, equal panel would say nothing.
        return {parts.output: gr.update(value=run.answer(), label=t("sentiment_uncalibrated")),
                raw: gr.update(value=None, visible=False)}

    return ExtraPanel([raw], fill)


def tldr_compare(runtime: Runtime, parts) -> None:
    """The Summarize tab's with/without "TL;DR:" comparison."""
    build_tldr_compare(runtime, parts.inputs, parts.template, parts.controls)


def _extract_panel(runtime: Runtime, parts) -> ExtraPanel:
    from .task_extract import extract_panel  # it imports ExtraPanel from here

    return extract_panel(runtime, parts)


EXTRAS = {"summarize": tldr_compare, "sentiment": sentiment_details, "extract": _extract_panel}
