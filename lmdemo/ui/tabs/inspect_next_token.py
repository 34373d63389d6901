"""Next-token explorer: one forward pass, then sliders re-shape the cached odds at once.

Per visitor, a gr.State holds {"prompt": text, "ids": the exact token ids the logits
belong to, "logits": (vocab,)}. Moving a slider only re-shapes those logits; adding a token
appends its id (not its text, which may be one byte of a character) and runs one more step.
"""

from __future__ import annotations

import gradio as gr
import torch

from ...engine.sampling import choose, next_token_distribution
from ...errors import InputError
from ...inspection import api_next_token, distribution, logits_after_ids, model_ids
from ...params import SEED, TEMPERATURE, TOP_K, TOP_P, make_params
from ...tasks import TaskService
from ..adapters import user_errors
from ..i18n import t
from . import inspect_html as H

EXAMPLE = "The capital of France is"
TOP_N = 15


def step(service: TaskService, prompt: str, ids: list[int] | None = None) -> dict:
    """Run the model once on ``ids`` (or on ``prompt`` tokenized): what the sliders re-shape."""
    if ids is None:
        if not isinstance(prompt, str) or not prompt.strip():
            raise InputError("Type the start of a sentence to see what the model expects next.")
        ids = model_ids(service.loaded, prompt)
    return {"prompt": prompt, "ids": ids, "logits": logits_after_ids(service.loaded, ids)}


def add_token(service: TaskService, state: dict, token_id: int) -> dict:
    """Append one token id and step on; the prompt text is the decoded ids."""
    ids = [*state["ids"], int(token_id)]
    # A lone byte of a character decodes as U+FFFD until the rest of it follows.
    prompt = service.loaded.tokenizer.decode(ids, skip_special_tokens=True)  # type: ignore
    return step(service, prompt, ids)


def chart(service: TaskService, state: dict | None, temperature: float, top_k: float,
          top_p: float) -> tuple[str, float, int, list[dict]]:
    """Bars, entropy in bits, kept count and the candidates shown, from cached logits."""
    if not state:
        return "", 0.0, 0, []
    dist = distribution(service.loaded, state["logits"], temperature, int(top_k), top_p, TOP_N)
    candidates = dist["candidates"]
    rows = [{"display": c["display"], "value": c["probability"], "raw": c["raw_probability"],
             "cut": not c["kept"], "id": c["id"]} for c in candidates]
    return (H.bars(rows, pick=True, scale=1.0), round(dist["entropy_bits"], 3),
            dist["kept_count"], candidates)


def sample_id(state: dict, temperature: float, top_k: float, top_p: float, seed: float) -> int:
    """Draw one token id the way the engine would with these settings.

    The draw is seeded by ``seed`` and the number of tokens so far, so sampling step by step
    from the same prompt with the same seed walks the same path.
    """
    params = make_params(temperature=temperature, top_k=top_k, top_p=top_p, seed=seed)
    probs = next_token_distribution(state["logits"], params)
    generator = torch.Generator().manual_seed(params.seed + len(state["ids"]))
    return choose(probs, None if params.greedy else generator)


def build_next_token_tab(service: TaskService) -> None:
    """Add the Next-token view and its ``/next_token`` endpoint."""

    def api(prompt: str, temperature: float = 1.0, top_k: int = 0,
            top_p: float = 1.0) -> list[dict]:
        """Likely next tokens [{"token", "probability"}], best first, filtered ones left out."""
        return api_next_token(service.loaded, prompt, temperature, top_k, top_p)

    def view(state: dict | None, temperature: float, top_k: float, top_p: float):
        return chart(service, state, temperature, top_k, top_p)[:3]  # the widgets' part

    def run(prompt: str, temperature: float, top_k: float, top_p: float):
        state = step(service, prompt)
        return (state, *view(state, temperature, top_k, top_p))

    def add(token_id: int, state: dict | None, temperature: float, top_k: float, top_p: float):
        if not state:
            raise InputError("Press the button to compute the next-token odds first.")
        new_state = add_token(service, state, token_id)
        return (new_state["prompt"], new_state, *view(new_state, temperature, top_k, top_p))

    def clicked(state, temperature, top_k, top_p, evt: gr.SelectData):
        return add(int(evt.value), state, temperature, top_k, top_p)

    def sampled(state, temperature, top_k, top_p, seed):
        if not state:
            raise InputError("Press the button to compute the next-token odds first.")
        token = service.loaded.run(sample_id, state, temperature, top_k, top_p, seed)
        return add(token, state, temperature, top_k, top_p)

    with gr.Tab(t("tab_next_token"), id="inspect-next-token"):
        # The API endpoint lives in the tab: a gr.Tabs may hold only gr.Tab children.
        gr.api(user_errors(api), api_name="next_token")
        gr.Markdown(t("explain_next_token"))
        state = gr.State(None)
        with gr.Row():
            with gr.Column(scale=2):
                prompt = gr.Textbox(value=EXAMPLE, label=t("prompt"), lines=3, max_lines=12)
                with gr.Row():
                    go = gr.Button(t("next_token_run"), variant="primary")
                    sample = gr.Button(t("sample_token"))
                temperature = gr.Slider(TEMPERATURE.low, TEMPERATURE.high, value=1.0,
                                        step=TEMPERATURE.step, label=t("temperature"))
                top_k = gr.Slider(TOP_K.low, 100, value=10, step=1, label=t("top_k"))
                top_p = gr.Slider(TOP_P.low, TOP_P.high, value=1.0, step=TOP_P.step,
                                  label=t("top_p"))
                seed = gr.Number(value=SEED.default, precision=0, minimum=SEED.low,
                                 maximum=SEED.high, label=t("seed"))
                with gr.Row():
                    entropy = gr.Number(label=t("entropy_bits"), interactive=False)
                    kept = gr.Number(label=t("kept_count"), interactive=False)
            with gr.Column(scale=3):
                bars = H.view("next_token_chart", clickable=True)
                gr.Markdown(t("next_token_legend"))
    knobs = [temperature, top_k, top_p]
    chart_out = [bars, entropy, kept]
    gr.on([go.click, prompt.submit], user_errors(run), inputs=[prompt, *knobs],
          outputs=[state, *chart_out], api_visibility="private")
    gr.on([k.change for k in knobs], user_errors(view), inputs=[state, *knobs],
          outputs=chart_out, api_visibility="private", show_progress="hidden",
          trigger_mode="always_last")
    step_out = [prompt, state, *chart_out]
    bars.select(user_errors(clicked), inputs=[state, *knobs], outputs=step_out,
                api_visibility="private")
    sample.click(user_errors(sampled), inputs=[state, *knobs, seed], outputs=step_out,
                 api_visibility="private")
