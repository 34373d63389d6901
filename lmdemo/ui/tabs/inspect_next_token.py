"""Next-token explorer: one forward pass, then sliders re-shape the cached odds at once.

Per visitor, a gr.State holds the explorer's step (``lmdemo.inspection.explorer``):
{"prompt", "ids", "logits"}. Moving a slider only re-shapes those logits; adding or sampling
a token steps on from its id.
"""

from __future__ import annotations

import gradio as gr

from ...errors import InputError
from ...inspection import add_token, api_next_token, distribution, sample_step, step
from ...params import SEED, TEMPERATURE, TOP_K, TOP_P
from ...runtime import Runtime
from ..adapters import user_errors
from ..endpoints import control_help, publish
from ..i18n import t
from ..links import LinkTarget
from . import inspect_html as H

EXAMPLE = "The capital of France is"
TOP_N = 15


def chart(runtime: Runtime, state: dict | None, temperature: float, top_k: float,
          top_p: float) -> tuple[str, float, int, list[dict]]:
    """Bars, entropy in bits, kept count and the candidates shown, from cached logits."""
    if not state:
        return "", 0.0, 0, []
    dist = distribution(runtime, state["logits"], temperature, int(top_k), top_p, TOP_N)
    candidates = dist["candidates"]
    rows = [{"display": c["display"], "value": c["probability"], "raw": c["raw_probability"],
             "cut": not c["kept"], "id": c["id"]} for c in candidates]
    return (H.bars(rows, pick=True, scale=1.0), round(dist["entropy_bits"], 3),
            dist["kept_count"], candidates)


def build_next_token_tab(runtime: Runtime) -> LinkTarget:
    """Add the Next-token view and its ``/next_token`` endpoint."""

    def api(prompt: str, temperature: float = 1.0, top_k: int = 0,
            top_p: float = 1.0) -> list[dict]:
        return api_next_token(runtime, prompt, temperature, top_k, top_p)

    def view(state: dict | None, temperature: float, top_k: float, top_p: float):
        return chart(runtime, state, temperature, top_k, top_p)[:3]  # the widgets' part

    def run(prompt: str, temperature: float, top_k: float, top_p: float):
        state = step(runtime, prompt)
        return (state, *view(state, temperature, top_k, top_p))

    def shown(new_state: dict, temperature: float, top_k: float, top_p: float):
        return (new_state["prompt"], new_state, *view(new_state, temperature, top_k, top_p))

    def clicked(state, temperature, top_k, top_p, evt: gr.SelectData):
        if not state:
            raise InputError(key="err_view_next_token_first")
        return shown(add_token(runtime, state, int(evt.value)), temperature, top_k, top_p)

    def sampled(state, temperature, top_k, top_p, seed):
        if not state:
            raise InputError(key="err_view_next_token_first")
        return shown(sample_step(runtime, state, temperature, top_k, top_p, seed),
                     temperature, top_k, top_p)

    with gr.Tab(t("tab_next_token"), id="inspect-next-token"):
        # The API endpoint lives in the tab: a gr.Tabs may hold only gr.Tab children.
        publish(api, "next_token",
                "The likeliest next tokens after a prompt and their probabilities, once "
                "temperature, top-k and top-p have re-shaped the odds.",
                {"prompt": "The text whose next token is predicted.",
                 **{name: control_help(name) for name in ("temperature", "top_k", "top_p")}},
                'A JSON list of up to 20 tokens, likeliest first, each with "token", its text, '
                'and "probability"; tokens the filters remove are left out.')
        gr.Markdown(t("explain_next_token"), elem_classes="lm-explain")
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
    # The person's own moves only (see inspect_attention.py): a class's follower gets the
    # teacher's chart, which a redraw from the follower's empty state would erase.
    gr.on([k.input for k in knobs], user_errors(view), inputs=[state, *knobs],
          outputs=chart_out, api_visibility="private", show_progress="hidden",
          trigger_mode="always_last")
    step_out = [prompt, state, *chart_out]
    bars.select(user_errors(clicked), inputs=[state, *knobs], outputs=step_out,
                api_visibility="private")
    sample.click(user_errors(sampled), inputs=[state, *knobs, seed], outputs=step_out,
                 api_visibility="private")
    return LinkTarget("next_token", "inspect-next-token",
                      {"prompt": prompt, "temperature": temperature, "top_k": top_k,
                       "top_p": top_p, "seed": seed}, go)
