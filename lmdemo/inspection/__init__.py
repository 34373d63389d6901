"""Inspection core: what the model sees and computes, returned as plain data for the UI.

Nothing here imports gradio; functions return lists, dicts, floats and numpy arrays.
"""

from __future__ import annotations

from .attention import MAX_TOKENS, attention, attention_all, select, shape
from .bias import BIAS_NOTE, bias_probe, fill
from .embeddings import lookup, neighbors, parse_words, pca_2d, project_2d, word_vector
from .explanations import EXPLANATIONS
from .next_token import (
    api_next_token,
    distribution,
    logits_after_ids,
    next_token_logits_for,
)
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
    "BIAS_NOTE",
    "EXPLANATIONS",
    "MAX_TOKENS",
    "api_next_token",
    "attention",
    "attention_all",
    "bias_probe",
    "context_usage",
    "distribution",
    "fill",
    "gpt2_bpe_tokenizer",
    "lookup",
    "model_ids",
    "neighbors",
    "logits_after_ids",
    "next_token_logits_for",
    "parse_words",
    "pca_2d",
    "project_2d",
    "select",
    "shape",
    "token_text",
    "tokenize",
    "tokenize_with",
    "visible",
    "word_vector",
]
