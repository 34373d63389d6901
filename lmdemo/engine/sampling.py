"""Turn next-token logits into a choice: repetition penalty, temperature, top-k, top-p.

Every function works on one row of logits ``(vocab,)`` in float32 so the result does not
depend on the model's dtype or on which other requests share a batch.
"""

from __future__ import annotations

import torch

from ..params import SamplingParams


def apply_repetition_penalty(logits: torch.Tensor, seen: torch.Tensor, penalty: float) -> None:
    """CTRL-style penalty, in place: shrink the logits of tokens already present."""
    if penalty == 1.0 or seen.numel() == 0:
        return
    ids = torch.unique(seen)
    picked = logits[ids]
    logits[ids] = torch.where(picked > 0, picked / penalty, picked * penalty)


def filter_logits(logits: torch.Tensor, top_k: int, top_p: float) -> torch.Tensor:
    """Return a copy with tokens outside top-k and the top-p nucleus set to -inf.

    Top-p keeps the smallest set of most likely tokens whose probability reaches ``top_p``
    (the token that crosses the threshold is kept). Ties at the top-k boundary are kept.
    """
    out = logits.clone()
    if 0 < top_k < out.numel():
        kth = torch.topk(out, top_k).values[-1]
        out[out < kth] = float("-inf")
    if top_p < 1.0:
        sorted_logits, order = torch.sort(out, descending=True)
        probs = torch.softmax(sorted_logits, dim=-1)
        before = torch.cumsum(probs, dim=-1) - probs  # mass strictly above each token
        drop = before >= top_p
        drop[0] = False  # always keep the most likely token
        out[order[drop]] = float("-inf")
    return out


def next_token_distribution(
    logits: torch.Tensor, params: SamplingParams, seen: torch.Tensor | None = None
) -> torch.Tensor:
    """Probabilities ``(vocab,)`` that sampling draws from; one-hot for greedy."""
    logits = logits.float().clone()
    if seen is not None:
        apply_repetition_penalty(logits, seen, params.repetition_penalty)
    if params.greedy:
        probs = torch.zeros_like(logits)
        probs[torch.argmax(logits)] = 1.0
        return probs
    filtered = filter_logits(logits / params.temperature, params.top_k, params.top_p)
    return torch.softmax(filtered, dim=-1)


def choose(probs: torch.Tensor, generator: torch.Generator | None) -> int:
    """Draw one token id from ``probs`` with the request's own generator."""
    if generator is None:
        return int(torch.argmax(probs))
    return int(torch.multinomial(probs, 1, generator=generator))
