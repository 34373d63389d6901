"""Inspection core: what the model sees and computes, returned as plain data for the UI.

Nothing here imports gradio; functions return lists, dicts, floats and numpy arrays. Every
function that needs the model takes the ``Runtime`` first: torch work runs on its compute
thread (``Runtime.call``), views that read weights get them from ``Runtime.weights`` (an
``UnavailableError`` says why when a server-backed app has none), and the next-token odds
come from the server's log-probabilities when a server generates.
"""

from __future__ import annotations

from .attention import MAX_TOKENS, attention, attention_all, select, shape
from .bias import (
    bias_probe,
    fill,
    probe_stream,
    sample_continuations,
    training_data,
)
from .embeddings import lookup, neighbors, parse_words, pca_2d, project_2d, word_vector
from .explanations import EXPLANATIONS
from .explorer import add_token, sample_id, sample_step, sample_token, step
from .generation import alternatives, branch, branch_ids, require_token_probs, stream_steps
from .next_token import (
    api_next_token,
    distribution,
    logits_after_ids,
    next_token_logits_for,
    top_probabilities,
)
from .prompting import WITH_CUE, WITHOUT_CUE, compare_stream
from .tokens import (
    context_usage,
    gpt2_bpe_tokenizer,
    model_ids,
    token_text,
    tokenize,
    tokenize_with,
    visible,
)

__all__ = [
    "EXPLANATIONS",
    "MAX_TOKENS",
    "WITHOUT_CUE",
    "WITH_CUE",
    "add_token",
    "alternatives",
    "api_next_token",
    "attention",
    "attention_all",
    "bias_probe",
    "branch",
    "branch_ids",
    "compare_stream",
    "context_usage",
    "distribution",
    "fill",
    "gpt2_bpe_tokenizer",
    "logits_after_ids",
    "lookup",
    "model_ids",
    "neighbors",
    "next_token_logits_for",
    "parse_words",
    "pca_2d",
    "probe_stream",
    "project_2d",
    "require_token_probs",
    "sample_continuations",
    "sample_id",
    "sample_step",
    "sample_token",
    "select",
    "shape",
    "step",
    "stream_steps",
    "token_text",
    "tokenize",
    "tokenize_with",
    "top_probabilities",
    "training_data",
    "visible",
    "word_vector",
]
