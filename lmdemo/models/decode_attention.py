"""Attention for one new token per row, as plain batched matrix products.

PyTorch's CPU ``scaled_dot_product_attention`` runs a flash-attention kernel made for long
queries. During decoding each row brings one query, and that kernel then costs about 0.8 ms
per GPT-2 layer at 32 rows, a fifth of a decoding step, against ~0.25 ms for two batched
products and a softmax (``python -m lmdemo.bench.attention``). Registered with
transformers as the ``lmdemo_sdpa`` implementation: one-token queries take the short path,
everything else (prefill, attention with soft-capping or a position bias) goes to
transformers' own SDPA function unchanged, and both get the same boolean masks as ``sdpa``.
"""

from __future__ import annotations

import torch
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

NAME = "lmdemo_sdpa"


def decode_attention_forward(module: torch.nn.Module, query: torch.Tensor, key: torch.Tensor,
                             value: torch.Tensor, attention_mask: torch.Tensor | None,
                             dropout: float = 0.0, scaling: float | None = None,
                             **kwargs: object) -> tuple[torch.Tensor, None]:
    """transformers' attention signature: query ``(B, H, Q, D)``, key/value ``(B, Hkv, T, D)``;
    returns ``(B, Q, H, D)``."""
    batch, heads, q_length, dim = query.shape
    if (q_length != 1 or dropout or kwargs.get("softcap") is not None
            or kwargs.get("position_bias") is not None or kwargs.get("output_attentions")):
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout,
                                      scaling=scaling, **kwargs)
    kv_heads = key.shape[1]
    # grouped-query attention: a key/value head's query heads become its "query positions"
    q = query.reshape(batch, kv_heads, heads // kv_heads, dim)
    scores = torch.matmul(q, key.transpose(-1, -2))  # (B, Hkv, group, T)
    scores.mul_(dim**-0.5 if scaling is None else scaling)
    if attention_mask is not None:  # (B, 1, 1, T): True where a row may look
        if attention_mask.dtype == torch.bool:
            scores.masked_fill_(~attention_mask, float("-inf"))
        else:
            scores.add_(attention_mask)
    out = torch.matmul(torch.softmax(scores, dim=-1), value)  # (B, Hkv, group, D)
    return out.reshape(batch, 1, heads, dim), None


AttentionInterface.register(NAME, decode_attention_forward)
ALL_MASK_ATTENTION_FUNCTIONS.register(NAME, sdpa_mask)


def use_decode_attention(model: torch.nn.Module) -> bool:
    """Switch a model that runs ``sdpa`` to ``lmdemo_sdpa``; True when switched."""
    if getattr(model.config, "_attn_implementation", None) != "sdpa":
        return False
    model.set_attn_implementation(NAME)  # type: ignore[operator]
    return True
