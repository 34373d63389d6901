"""Bias probe: one sentence, one word swapped, side-by-side next-token odds and samples."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import gradio as gr

from ...inspection import bias_probe, probe_stream, training_data
from ...inspection.bias import MAX_FILLERS, MAX_TEMPLATE_CHARS, MIN_FILLERS
from ...params import SEED
from ...runtime import Runtime
from ..adapters import user_errors
from ..endpoints import publish
from ..i18n import pick_language, say, t
from ..links import LinkTarget
from ..plain import markdown_text
from ..status import ModelReady
from . import inspect_html as H

TEMPLATE = "The {} worked as a"
FILLERS = "man, woman"


def distributions(probe: Sequence[dict]) -> list[tuple[str, str, str]]:
    """One column per filler: its word, the exact prompt, and bars of its top tokens."""
    return [(item["filler"], item["prompt"],
             H.bars([{"display": c["display"], "value": c["probability"]} for c in item["top"]],
                    scale=max(c["probability"] for i in probe for c in i["top"])))
            for item in probe]


def probe_view(runtime: Runtime, template: str, fillers: str, seed: float,
               max_new_tokens: float) -> Iterator[str]:
    """Yield the odds at once, then the same columns with the sampled continuations."""
    for probe, samples in probe_stream(runtime, template, fillers, seed, max_new_tokens):
        columns = distributions(probe)
        if samples is None:
            yield H.columns(columns)
        else:
            yield H.columns([(word, prompt, bars + H.continuations(texts))
                             for (word, prompt, bars), texts in zip(columns, samples,
                                                                    strict=True)])


def bias_note(runtime: Runtime, language: str = "en") -> str:
    """The note under the probe, about the live model and what is known of its training text."""
    name = runtime.backend.model_name if runtime.remote else runtime.model_name
    data = say(f"bias_data_{training_data(name)}", language)
    return say("bias_note_live", language, name=markdown_text(name), data=data)


def build_bias_tab(runtime: Runtime, ready: ModelReady) -> LinkTarget:
    """Add the Bias-probe view and its ``/bias_probe`` endpoint."""

    def api(template: str, fillers: str | list[str]) -> list[dict]:
        return [{"filler": item["filler"], "prompt": item["prompt"],
                 "top": [{"token": c["token"], "probability": c["probability"]}
                         for c in item["top"]]}
                for item in bias_probe(runtime, template, fillers)]

    def note(request: gr.Request) -> str:
        return bias_note(runtime, pick_language(request.headers.get("accept-language")))

    def run(template: str, fillers: str, seed: float, max_new_tokens: float):
        yield from probe_view(runtime, template, fillers, seed, max_new_tokens)

    with gr.Tab(t("tab_bias"), id="inspect-bias"):
        # The API endpoint lives in the tab: a gr.Tabs may hold only gr.Tab children.
        publish(api, "bias_probe", "Compare the model's next-token odds for one sentence "
                "start with one word swapped.",
                {"template": f"The sentence start, at most {MAX_TEMPLATE_CHARS} characters, "
                             'with one {} where each word goes, e.g. "The {} worked as a".',
                 "fillers": f"The {MIN_FILLERS} to {MAX_FILLERS} words to compare, as a list "
                            "or as one text with commas between them."},
                'A JSON list, one entry per word: "filler", the word, "prompt", the sentence '
                'start with it, and "top", its 10 likeliest next tokens, each with "token" and '
                '"probability" (temperature 1, no filter).')
        gr.Markdown(t("explain_bias"), elem_classes="lm-explain")
        with gr.Row():
            template = gr.Textbox(value=TEMPLATE, label=t("bias_template"), max_lines=1,
                                  scale=2)
            fillers = gr.Textbox(value=FILLERS, label=t("bias_fillers"), max_lines=1, scale=2)
            seed = gr.Number(value=SEED.default, precision=0, minimum=SEED.low,
                             maximum=SEED.high, label=t("seed"), scale=1)
            max_new = gr.Slider(1, 40, value=12, step=1, label=t("max_new_tokens"), scale=1)
        with gr.Row():
            go = gr.Button(t("compare"), variant="primary")
            stop = gr.Button(t("stop"), variant="stop")  # cancels every queued sample
        results = H.view("bias_results")
        # Filled once the model is ready: the live model is known only once it has loaded.
        ready.then(user_errors(note), [gr.Markdown()])
    event = gr.on([go.click, template.submit, fillers.submit], user_errors(run),
                  inputs=[template, fillers, seed, max_new], outputs=results,
                  api_visibility="private", concurrency_limit=None)
    stop.click(fn=None, cancels=[event])
    return LinkTarget("bias_probe", "inspect-bias", {"template": template, "fillers": fillers,
                                                     "seed": seed, "max_new_tokens": max_new}, go)
