"""Tokenizer view: the text cut into the live model's tokens, next to GPT-2's real BPE."""

from __future__ import annotations

import gradio as gr

from ...inspection import context_usage, gpt2_bpe_tokenizer, tokenize, tokenize_with
from ...runtime import Runtime
from ..adapters import user_errors
from ..i18n import t
from ..links import LinkTarget
from . import inspect_html as H

EXAMPLE = ("Tokenization isn't magic: common words are one token, rare ones like "
           "\"antidisestablishmentarianism\" are several.\n你好，世界！ 🙂")


def tokenizer_view(runtime: Runtime, text: str) -> tuple[str, str, int, int, int, int, str]:
    """Chips for both tokenizers, the counts, and how much of the context window is used."""
    live = tokenize(runtime, text)
    gpt2 = tokenize_with(gpt2_bpe_tokenizer(runtime.config.cache_dir), text)
    used, window = context_usage(runtime, len(live))
    return (H.chips(live), H.chips(gpt2), used, len(gpt2), len(text), window,
            H.meter(used / window if window else 0.0))


def build_tokens_tab(runtime: Runtime) -> LinkTarget:
    """Add the Tokenizer view and its ``/tokenize`` endpoint."""

    def api_tokenize(text: str) -> list[dict]:
        """The live model's tokens of ``text``: [{"token", "id"}]; joined they give ``text``."""
        return [{"token": tok["token"], "id": tok["id"]} for tok in tokenize(runtime, text)]

    def show(text: str):
        return tokenizer_view(runtime, text)

    with gr.Tab(t("tab_tokens"), id="inspect-tokens"):
        # The API endpoint lives in the tab: a gr.Tabs may hold only gr.Tab children.
        gr.api(user_errors(api_tokenize, api=True), api_name="tokenize")
        gr.Markdown(t("explain_tokenizer"))
        with gr.Row():
            with gr.Column(scale=2):
                text = gr.Textbox(value=EXAMPLE, label=t("text"), lines=4, max_lines=20)
                run = gr.Button(t("tokenize"), variant="primary")
            with gr.Column(scale=1):
                with gr.Row():
                    n_live = gr.Number(label=t("token_count"), interactive=False)
                    n_gpt2 = gr.Number(label=t("gpt2_token_count"), interactive=False)
                with gr.Row():
                    n_chars = gr.Number(label=t("char_count"), interactive=False)
                    window = gr.Number(label=t("context_window"), interactive=False)
                used = H.view("context_used")
        with gr.Row():
            live = H.view("tokens_live")
            gpt2 = H.view("tokens_gpt2")
        gr.Markdown(t("tokens_legend"))
    gr.on([run.click, text.submit], user_errors(show), inputs=text,
          outputs=[live, gpt2, n_live, n_gpt2, n_chars, window, used],
          api_visibility="private")
    return LinkTarget("tokenize", "inspect-tokens", {"text": text}, run)
