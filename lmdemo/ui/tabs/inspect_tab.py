"""The "Look inside" tab: one sub-tab per view of the model's inner workings."""

from __future__ import annotations

from dataclasses import replace

import gradio as gr

from ...runtime import Runtime
from ..i18n import t
from ..links import LinkTarget
from ..status import ModelReady
from .inspect_attention import build_attention_tab
from .inspect_bias import build_bias_tab
from .inspect_embeddings import build_embeddings_tab
from .inspect_generation import build_generation_tab
from .inspect_next_token import build_next_token_tab
from .inspect_tokens import build_tokens_tab

VIEWS = (build_tokens_tab, build_next_token_tab, build_generation_tab, build_attention_tab,
         build_embeddings_tab)


def build_inspect_tab(runtime: Runtime, ready: ModelReady) -> tuple[gr.Tabs, list[LinkTarget]]:
    """Add the "Look inside" tab with its six views and their API endpoints; return its inner
    gr.Tabs and the views' link targets."""
    with gr.Tab(t("tab_inspect"), id="inspect"):
        gr.Markdown(t("inspect_intro"), elem_classes="lm-explain")
        with gr.Tabs(overflow_behavior="wrap") as views:  # every view reachable on a phone
            built = [*(build(runtime) for build in VIEWS),
                     build_bias_tab(runtime, ready)]  # its note names the model, once loaded
            targets = [replace(target, parent="inspect") for target in built]
    return views, targets
