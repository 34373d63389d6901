"""The two model reads every layer above shares: text to ids, and one next-token forward."""

from __future__ import annotations

import functools
import inspect

import torch

from .loader import LoadedModel


def model_ids(tokenizer: object, text: str) -> list[int]:
    """Token ids as the model sees ``text`` (with <bos> where the model uses one)."""
    ids = list(tokenizer(text)["input_ids"])  # type: ignore[operator]
    if not ids:  # GPT-2 has no <bos>; condition an empty text on <|endoftext|>
        ids = [tokenizer.eos_token_id]  # type: ignore[attr-defined]
    return ids


@functools.lru_cache(maxsize=32)
def takes_logits_to_keep(model_class: type) -> bool:
    """True when ``model_class.forward`` names ``logits_to_keep`` (read from its signature,
    so a TypeError raised inside a forward is never mistaken for a missing argument)."""
    return "logits_to_keep" in inspect.signature(model_class.forward).parameters


@torch.inference_mode()
def next_token_logits(loaded: LoadedModel, ids: list[int]) -> torch.Tensor:
    """Float32 logits ``(vocab,)`` for the token after ``ids``: one forward pass, no cache.

    Only the last position goes through the output layer (``logits_to_keep=1``): with
    Gemma's 262k-word vocabulary that layer costs more than the rest of a short prompt.
    Call it on the model's compute thread (``Runtime.call``).
    """
    inputs = torch.tensor([ids], dtype=torch.long, device=loaded.device)
    extra = {"logits_to_keep": 1} if takes_logits_to_keep(type(loaded.model)) else {}
    out = loaded.model(input_ids=inputs, use_cache=False, **extra)
    return out.logits[0, -1].float().cpu()
