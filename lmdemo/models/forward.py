"""The two model reads every layer above shares: text to ids, and one next-token forward."""

from __future__ import annotations

import torch

from .loader import LoadedModel


def model_ids(tokenizer: object, text: str) -> list[int]:
    """Token ids as the model sees ``text`` (with <bos> where the model uses one)."""
    ids = list(tokenizer(text)["input_ids"])  # type: ignore[operator]
    if not ids:  # GPT-2 has no <bos>; condition an empty text on <|endoftext|>
        ids = [tokenizer.eos_token_id]  # type: ignore[attr-defined]
    return ids


@torch.inference_mode()
def next_token_logits(loaded: LoadedModel, ids: list[int]) -> torch.Tensor:
    """Float32 logits ``(vocab,)`` for the token after ``ids``: one forward pass, no cache.

    Only the last position goes through the output layer (``logits_to_keep=1``): with
    Gemma's 262k-word vocabulary that layer costs more than the rest of a short prompt.
    Call it on the model's compute thread (``Runtime.call``).
    """
    inputs = torch.tensor([ids], dtype=torch.long, device=loaded.device)
    try:
        out = loaded.model(input_ids=inputs, use_cache=False, logits_to_keep=1)
    except TypeError:  # a model class without logits_to_keep
        out = loaded.model(input_ids=inputs, use_cache=False)
    return out.logits[0, -1].float().cpu()
