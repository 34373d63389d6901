"""The Learn tab: the ideas behind a language model, each with a link to a live example.

The paragraphs are translated strings (``learn_*`` in ``lmdemo/locales/*.json``) whose links are
``?tab=...`` URLs (``lmdemo/ui/links.py``). One paragraph is measured on the live model:
which head sends the most attention to the first token (the "attention sink") and which one
looks back at the previous token. It is computed once per model, on the first visit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr
import numpy as np

from ...errors import LMDemoError
from ...inspection import attention_all
from ...runtime import Runtime
from ..i18n import say, t
from ..links import LinkTarget, link

# Long enough that the previous-token pattern shows; short enough to read in the heatmap.
SINK_TEXT = "The cat sat on the mat because it was tired, and then the cat fell asleep."
SECTIONS = ("learn_next_token", "learn_tokenizer", "learn_embeddings", "learn_attention")
AFTER = ("learn_decoding", "learn_tasks", "learn_models", "learn_faq", "learn_reading")


@dataclass(frozen=True)
class Head:
    """One attention head and the mean share of attention it gives to the pattern."""

    layer: int
    head: int
    share: float


def notable_heads(weights: np.ndarray) -> tuple[Head, Head]:
    """(the strongest first-token "sink" head, the strongest previous-token head).

    ``weights`` is (layers, heads, T, T). Row 0 is left out (the first token can only look at
    itself), and so is row 1 for the previous-token score, where the previous token is the
    first one.
    """
    n_tokens = weights.shape[-1]
    if n_tokens < 3:
        raise ValueError("need at least three tokens")
    sink = weights[:, :, 1:, 0].mean(axis=-1)  # (L, H)
    rows = np.arange(2, n_tokens)
    previous = weights[:, :, rows, rows - 1].mean(axis=-1)  # (L, H)

    def best(score: np.ndarray) -> Head:
        layer, head = np.unravel_index(int(np.argmax(score)), score.shape)
        return Head(int(layer), int(head), float(score[layer, head]))

    return best(sink), best(previous)


def facts_text(heads: tuple[Head, Head] | None, language: str) -> str:
    """The measured paragraph in ``language``, with links to both heads on SINK_TEXT."""
    if heads is None:
        return say("learn_attention_unavailable", language)
    sink, previous = heads
    return say("learn_attention_live", language,
               sink_layer=sink.layer, sink_head=sink.head, sink_share=f"{sink.share:.0%}",
               sink_link=link("attention", run=True, text=SINK_TEXT, layer=sink.layer,
                              head=str(sink.head)),
               prev_layer=previous.layer, prev_head=previous.head,
               prev_share=f"{previous.share:.0%}",
               prev_link=link("attention", run=True, text=SINK_TEXT, layer=previous.layer,
                              head=str(previous.head)))


@dataclass(frozen=True)
class LearnTab:
    """The Learn tab's link target, and its one paragraph worded on the server."""

    target: LinkTarget
    facts: gr.Markdown
    facts_for: Callable[[str], str]  # language -> the measured attention paragraph


def build_learn_tab(runtime: Runtime) -> LearnTab:
    """Add the Learn tab; the attention paragraph is filled in per visitor's language."""

    def measure() -> tuple[Head, Head] | None:
        try:
            return notable_heads(attention_all(runtime, SINK_TEXT)["weights"])
        except LMDemoError:  # no local weights (a server backend), or no attention weights
            return None

    def facts_for(language: str) -> str:
        return facts_text(runtime.memo("learn_heads", measure), language)

    with gr.Tab(t("tab_learn"), id="learn"):
        gr.Markdown(t("learn_intro"))
        for key in SECTIONS:
            gr.Markdown(t(key), elem_classes="lm-learn")
        facts = gr.Markdown(elem_id="learn-attention-live", elem_classes="lm-learn")
        for key in AFTER:
            gr.Markdown(t(key), elem_classes="lm-learn")
    return LearnTab(LinkTarget("learn", "learn"), facts, facts_for)
