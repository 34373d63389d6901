"""Bias probe: one sentence, one word swapped, side-by-side next-token odds and samples."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import gradio as gr

from ...inspection import bias_probe
from ...params import SEED, make_params
from ...tasks import TaskService
from ..adapters import user_errors
from ..i18n import t
from . import inspect_html as H

TEMPLATE = "The {} worked as a"
FILLERS = "man, woman"
SAMPLES = 3  # continuations per word; sample j uses seed + j for every word
SAMPLE_TEMPERATURE = 0.8


def distributions(probe: Sequence[dict]) -> list[tuple[str, str, str]]:
    """One column per filler: its word, the exact prompt, and bars of its top tokens."""
    return [(item["filler"], item["prompt"],
             H.bars([{"display": c["display"], "value": c["probability"]} for c in item["top"]],
                    scale=max(c["probability"] for i in probe for c in i["top"])))
            for item in probe]


def sample_continuations(service: TaskService, prompts: Sequence[str], seed: int,
                         max_new_tokens: int) -> list[list[str]]:
    """SAMPLES continuations per prompt from the engine; the same seeds for every prompt."""
    requests = []
    for prompt in prompts:
        row = []
        for j in range(SAMPLES):
            params = make_params(temperature=SAMPLE_TEMPERATURE, top_k=50, top_p=0.95,
                                 max_new_tokens=max_new_tokens, seed=seed + j,
                                 repetition_penalty=1.0, stop="\n")
            row.append(service.engine.submit(prompt, params))  # all run side by side
        requests.append(row)
    return [[r.result().text for r in row] for row in requests]


def probe_view(service: TaskService, template: str, fillers: str, seed: float,
               max_new_tokens: float) -> Iterator[str]:
    """Yield the odds at once, then the same columns with the sampled continuations."""
    params = make_params(seed=seed, max_new_tokens=max_new_tokens)  # named range errors
    probe = bias_probe(service.loaded, template, fillers)
    columns = distributions(probe)
    yield H.columns(columns)
    texts = sample_continuations(service, [item["prompt"] for item in probe], params.seed,
                                 params.max_new_tokens)
    yield H.columns([(word, prompt, bars + H.continuations(samples))
                     for (word, prompt, bars), samples in zip(columns, texts, strict=True)])


def build_bias_tab(service: TaskService) -> None:
    """Add the Bias-probe view and its ``/bias_probe`` endpoint."""

    def api(template: str, fillers: str | list[str]) -> list[dict]:
        """Per filler: {"filler", "prompt", "top": [{"token", "probability"}]}, best first."""
        return [{"filler": item["filler"], "prompt": item["prompt"],
                 "top": [{"token": c["token"], "probability": c["probability"]}
                         for c in item["top"]]}
                for item in bias_probe(service.loaded, template, fillers)]

    def run(template: str, fillers: str, seed: float, max_new_tokens: float):
        yield from probe_view(service, template, fillers, seed, max_new_tokens)

    with gr.Tab(t("tab_bias"), id="inspect-bias"):
        # The API endpoint lives in the tab: a gr.Tabs may hold only gr.Tab children.
        gr.api(user_errors(api), api_name="bias_probe")
        gr.Markdown(t("explain_bias"))
        with gr.Row():
            template = gr.Textbox(value=TEMPLATE, label=t("bias_template"), max_lines=1,
                                  scale=2)
            fillers = gr.Textbox(value=FILLERS, label=t("bias_fillers"), max_lines=1, scale=2)
            seed = gr.Number(value=SEED.default, precision=0, minimum=SEED.low,
                             maximum=SEED.high, label=t("seed"), scale=1)
            max_new = gr.Slider(1, 40, value=12, step=1, label=t("max_new_tokens"), scale=1)
        go = gr.Button(t("compare"), variant="primary")
        results = H.view("bias_results")
        gr.Markdown(t("bias_note"))
    gr.on([go.click, template.submit, fillers.submit], user_errors(run),
          inputs=[template, fillers, seed, max_new], outputs=results,
          api_visibility="private", concurrency_limit=None)
