"""Decoding controls whose ranges come from lmdemo.params, and their conversion back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import gradio as gr

from ..params import (
    MAX_NEW_TOKENS,
    REPETITION_PENALTY,
    SEED,
    TEMPERATURE,
    TOP_K,
    TOP_P,
    SamplingParams,
    make_params,
)
from .i18n import t
from .text_input import TextInput

# The order of the decoding inputs in every generative endpoint, after the task's texts.
CONTROL_NAMES = ("temperature", "top_k", "top_p", "max_new_tokens", "repetition_penalty",
                 "seed", "stop")


class ParamSlider(gr.Slider):
    """A slider whose value is range-checked by lmdemo.params, so errors name the field."""

    is_template = True  # rendered by Gradio's own slider in the browser

    def preprocess(self, payload: float) -> float:
        """Pass the raw value on; make_params checks it once with a named message."""
        return payload


class ParamNumber(gr.Number):
    """A number box checked by lmdemo.params rather than by Gradio."""

    is_template = True

    def preprocess(self, payload: float | None) -> float | None:
        """Pass the raw value on; make_params checks it once with a named message."""
        return payload


def _slider(key: str, spec, defaults: Mapping[str, object]) -> gr.Slider:
    return ParamSlider(spec.low, spec.high, value=defaults.get(key, spec.default), step=spec.step,
                     label=t(key))


def stop_text(stops: Sequence[str]) -> str:
    """Stop sequences as the Stop box shows them: one per line, a newline written ``\\n``
    (what ``parse_stop`` reads back), so a stop at the end of the line is visible."""
    return "\n".join(stop.replace("\n", "\\n") for stop in stops)


def decoding_controls(defaults: Mapping[str, object]) -> list[gr.components.Component]:
    """Sliders and boxes for the decoding settings, opened from an accordion."""
    with gr.Accordion(t("decoding"), open=False):
        with gr.Row():
            temperature = _slider("temperature", TEMPERATURE, defaults)
            top_k = _slider("top_k", TOP_K, defaults)
            top_p = _slider("top_p", TOP_P, defaults)
        with gr.Row():
            max_new = _slider("max_new_tokens", MAX_NEW_TOKENS, defaults)
            penalty = _slider("repetition_penalty", REPETITION_PENALTY, defaults)
            seed = ParamNumber(value=defaults.get("seed", SEED.default), precision=0,
                             minimum=SEED.low, maximum=SEED.high, label=t("seed"))
        stop = TextInput(value=stop_text(defaults.get("stop", ())), lines=2, max_lines=8,  # type: ignore[arg-type]
                          label=t("stop_sequences"))
    return [temperature, top_k, top_p, max_new, penalty, seed, stop]


def params_from_controls(*values: object) -> SamplingParams:
    """Validate the control values (in CONTROL_NAMES order) into SamplingParams."""
    raw = dict(zip(CONTROL_NAMES, values, strict=True))
    return make_params(**raw)  # type: ignore[arg-type]
