"""Attention view: a T x T heatmap for one layer and head, or the mean over heads.

The model runs once per text (``attention_all``); the result, every layer and head, stays in
the visitor's gr.State so switching layer or head only re-draws the table.
"""

from __future__ import annotations

import gradio as gr

from ...errors import UnavailableError
from ...inspection import attention, attention_all, select
from ...inspection.attention import shape
from ...runtime import Runtime
from ..adapters import user_errors
from ..i18n import t
from ..links import CHOICE, NUMBER, LinkTarget, Param
from . import inspect_html as H

EXAMPLE = "The animal didn't cross the street because it was too tired."


def head_choices(n_heads: int) -> list[tuple[str, str]]:
    """Dropdown choices: "mean", then each head by number."""
    return [("mean", "mean"), *((str(h), str(h)) for h in range(n_heads))]


def draw(result: dict | None, layer: float, head: str) -> str:
    """The heatmap of one layer/head from a cached attention_all result."""
    if not result:
        return ""
    grid = select(result, int(layer), head)
    return H.heatmap(grid["labels"], grid["weights"])


def build_attention_tab(runtime: Runtime) -> LinkTarget:
    """Add the Attention view and its ``/attention`` endpoint."""

    def api(text: str, layer: int = 0, head: int | str = "mean") -> dict:
        """{"tokens": [T raw token texts], "weights": T x T, rows sum to 1}; head is a number
        or "mean"."""
        result = attention(runtime, text, layer, head)
        return {"tokens": result["tokens"], "weights": result["weights"]}

    def run(text: str, layer: float, head: str):
        result = attention_all(runtime, text)
        n_layers, n_heads = result["weights"].shape[:2]
        layer = min(int(layer), n_layers - 1)
        head = head if head == "mean" or int(head) < n_heads else "mean"
        return (result, draw(result, layer, head),
                gr.update(maximum=n_layers - 1, value=layer, interactive=True),
                gr.update(choices=head_choices(n_heads), value=head, interactive=True))

    with gr.Tab(t("tab_attention"), id="inspect-attention"):
        # The API endpoint lives in the tab: a gr.Tabs may hold only gr.Tab children.
        gr.api(user_errors(api, api=True), api_name="attention")
        gr.Markdown(t("explain_attention"))
        state = gr.State(None)
        with gr.Row():
            text = gr.Textbox(value=EXAMPLE, label=t("text"), lines=2, max_lines=6, scale=3)
            with gr.Column(scale=2):
                # Ranges are set from the live model on the first run.
                layer = gr.Slider(0, 1, value=0, step=1, label=t("layer"), interactive=False)
                head = gr.Dropdown(head_choices(1), value="mean", label=t("head"),
                                   interactive=False)
                go = gr.Button(t("attention_run"), variant="primary")
        heat = H.view("attention_map", js_on_load=H.HEAT_JS)  # tap a cell to read it
        gr.Markdown(t("attention_legend_tap"))
    gr.on([go.click, text.submit], user_errors(run), inputs=[text, layer, head],
          outputs=[state, heat, layer, head], api_visibility="private")
    gr.on([layer.change, head.change], user_errors(draw), inputs=[state, layer, head],
          outputs=heat, api_visibility="private", show_progress="hidden",
          trigger_mode="always_last")

    def model_params() -> dict[str, Param]:  # a link may name any layer and head the model has
        try:
            n_layers, n_heads = shape(runtime)
        except UnavailableError:
            return {}
        return {"layer": Param(NUMBER, 0, n_layers - 1, integer=True),
                "head": Param(CHOICE, choices=tuple(c for c, _ in head_choices(n_heads)))}

    return LinkTarget("attention", "inspect-attention",
                      {"text": text, "layer": layer, "head": head}, go, model_params)
