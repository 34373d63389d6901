"""One decoding step of Gemma 3, written out by hand: the same arithmetic in far fewer ops.

Profiled on 2 cores (``python -m lmdemo.bench.profile``), transformers' Gemma 3 spends about
as long outside its products as inside them during decoding: ~5,900 operator calls a step,
1,400 of them casts, plus module and mask machinery in Python. For one new token per row,
``DecodeStep`` runs the 18 blocks straight: float32 activations throughout (no casts), the
query, key and value projections packed into one product and the gate and up projections
into another (7 products per block become 4), the rotary tables computed once per step, and
attention as two batched products over the engine's own cache layers.

It computes what ``Gemma3TextModel`` computes (same norms, same order of operations, the
same weights), so its hidden states match the transformers path to float rounding, which
the tests check on a small random Gemma 3 with sliding layers. Anything it does not cover
(soft-capped attention, other weight formats, other architectures) keeps the transformers
path; ``why_not_fused`` says why.
"""

from __future__ import annotations

import weakref

import torch
import torch.nn.functional as F
from torch import nn
from transformers.cache_utils import DynamicSlidingWindowLayer

from .fp16 import Fp16Linear

FUSED_TYPES = ("gemma3_text",)


def readable_weight(layer: nn.Module) -> torch.Tensor | None:
    """The float32 weight (out, in) a linear layer multiplies by, or None if not readable."""
    if isinstance(layer, nn.Linear) and layer.bias is None:
        return layer.weight.detach().float()
    if isinstance(layer, Fp16Linear):  # unpack FBGEMM's pieces: float16 values, float32 dtype
        parts = [torch.ops.quantized.linear_unpack_fp16(p) for p in layer._pieces]
        if any(bias is not None for _, bias in parts):
            return None
        return torch.cat([weight for weight, _ in parts])
    return None


class _Product:
    """``x @ W.T`` for one or more layers' weights stacked, in the layers' own format."""

    def __init__(self, layers: list[nn.Module]):
        self.fp16 = isinstance(layers[0], Fp16Linear)
        if len(layers) == 1 and self.fp16 and len(layers[0]._pieces) == 1:
            self.packed = layers[0]._pieces[0]  # the layer's own packed weight: no second copy
            return
        if len(layers) == 1 and not self.fp16:
            self.weight = layers[0].weight.detach()  # a view, not a copy
            return
        weights = [readable_weight(layer) for layer in layers]
        assert all(w is not None for w in weights)
        weight = torch.cat(weights)  # type: ignore[arg-type]
        if self.fp16:  # the same float16 values, packed once for all of them
            self.packed = torch.ops.quantized.linear_prepack_fp16(weight.contiguous(), None)
        else:
            self.weight = weight.contiguous()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.fp16:
            return torch.ops.quantized.linear_dynamic_fp16(x, self.packed)
        return F.linear(x, self.weight)


def why_not_fused(model: nn.Module) -> str:
    """Why ``DecodeStep`` cannot run this model, or '' when it can."""
    config = model.config
    if config.model_type not in FUSED_TYPES:
        return f"no hand-written step for {config.model_type}"
    if getattr(config, "attn_logit_softcapping", None) is not None:
        return "attention logits are soft-capped"
    if getattr(config, "hidden_activation", None) != "gelu_pytorch_tanh":
        return f"activation {getattr(config, 'hidden_activation', None)}"
    if getattr(config, "use_bidirectional_attention", False):
        return "bidirectional attention"
    for block in model.model.layers:
        for layer in (block.self_attn.q_proj, block.self_attn.k_proj, block.self_attn.v_proj,
                      block.self_attn.o_proj, block.mlp.gate_proj, block.mlp.up_proj,
                      block.mlp.down_proj):
            if readable_weight(layer) is None:
                return f"a {type(layer).__name__} layer it cannot read"
    kinds = {type(block.self_attn.q_proj) for block in model.model.layers}
    if len(kinds) > 1:
        return "mixed weight formats"
    if next(model.parameters()).dtype != torch.float32:
        return f"{next(model.parameters()).dtype} activations"
    return ""


class _Block:
    """One decoder block's weights, arranged for the fused step."""

    def __init__(self, block: nn.Module):
        attn, mlp = block.self_attn, block.mlp
        self.qkv = _Product([attn.q_proj, attn.k_proj, attn.v_proj])
        self.out = _Product([attn.o_proj])
        self.gate_up = _Product([mlp.gate_proj, mlp.up_proj])
        self.down = _Product([mlp.down_proj])
        self.q_width = attn.q_proj.out_features
        self.kv_width = attn.k_proj.out_features
        self.ffn = mlp.gate_proj.out_features
        self.scaling = attn.scaling
        self.sliding = attn.is_sliding
        # Gemma's norms multiply by (1 + w): added once here, not every step
        norms = (block.input_layernorm, block.post_attention_layernorm,
                 block.pre_feedforward_layernorm, block.post_feedforward_layernorm,
                 attn.q_norm, attn.k_norm)
        self.scales = [1.0 + norm.weight.detach().float() for norm in norms]
        self.eps = block.input_layernorm.eps


def _norm(x: torch.Tensor, scale: torch.Tensor, eps: float) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * scale


def _rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x (B, H, D) rotated by cos/sin (B, 1, D), as transformers' ``rotate_half`` does."""
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


class DecodeStep:
    """Gemma 3's blocks for one new token per row, over the engine's cache layers."""

    def __init__(self, model: nn.Module):
        reason = why_not_fused(model)
        if reason:
            raise ValueError(f"cannot fuse this model's decode step: {reason}")
        body = model.model
        self.embed = body.embed_tokens
        self.rotary = body.rotary_emb
        self.blocks = [_Block(block) for block in body.layers]
        self.final = 1.0 + body.norm.weight.detach().float()
        self.eps = body.norm.eps
        self.heads = model.config.num_attention_heads
        self.kv_heads = model.config.num_key_value_heads
        self.head_dim = model.config.head_dim
        self.sliding_window = model.config.sliding_window

    @torch.inference_mode()
    def __call__(self, tokens: torch.Tensor, lengths: torch.Tensor, width: int,
                 cache: object) -> torch.Tensor:
        """Hidden states (B, hidden) after the final norm, for ``tokens`` (B,); the cache
        holds ``width`` padded columns, of which each row's last ``lengths`` (B,) are real,
        so a row's new token sits at position ``length``. Each layer's cache gets the new
        column."""
        x = self.embed(tokens[:, None])[:, 0]  # (B, hidden), scaled by sqrt(hidden)
        rows = x.shape[0]
        tables = {kind: self.rotary(x, lengths[:, None], kind) for kind in
                  ("sliding_attention", "full_attention")}  # cos, sin: (B, 1, head_dim)
        masks: dict[int, torch.Tensor] = {}
        for block, layer in zip(self.blocks, cache.layers, strict=True):  # type: ignore[attr-defined]
            s = block.scales
            h = _norm(x, s[0], block.eps)
            q, k, v = block.qkv(h).split([block.q_width, block.kv_width, block.kv_width], -1)
            q = _norm(q.view(rows, self.heads, self.head_dim), s[4], block.eps)
            k = _norm(k.view(rows, self.kv_heads, self.head_dim), s[5], block.eps)
            cos, sin = tables["sliding_attention" if block.sliding else "full_attention"]
            q, k = _rope(q, cos, sin), _rope(k, cos, sin)
            keys, values = layer.update(k[:, :, None], v.view(rows, self.kv_heads, 1,
                                                               self.head_dim))
            columns = keys.shape[-2]  # (B, Hkv, T, D): T differs for sliding and slab layers
            if columns not in masks:
                masks[columns] = self._mask(columns, width, lengths,
                                            isinstance(layer, DynamicSlidingWindowLayer))
            group = q.view(rows, self.kv_heads, self.heads // self.kv_heads, self.head_dim)
            scores = torch.matmul(group, keys.transpose(-1, -2))  # (B, Hkv, group, T)
            scores.mul_(block.scaling).masked_fill_(masks[columns], float("-inf"))
            attended = torch.matmul(torch.softmax(scores, dim=-1), values)
            h = block.out(attended.reshape(rows, self.heads * self.head_dim))
            x = x + _norm(h, s[1], block.eps)
            h = block.gate_up(_norm(x, s[2], block.eps))
            gate, up = h.split(block.ffn, -1)
            h = block.down(F.gelu(gate, approximate="tanh") * up)
            x = x + _norm(h, s[3], block.eps)
        return _norm(x, self.final, self.eps)

    def _mask(self, columns: int, width: int, lengths: torch.Tensor, sliding: bool
              ) -> torch.Tensor:
        """(B, 1, 1, columns), True where a row may NOT look.

        The new token sits in padded column ``width``. A slab layer hands back all its
        columns from 0 (spare ones past ``width`` too); a sliding layer hands back its last
        ``columns`` ones, ending at ``width``, all inside the window by construction.
        """
        first = width - (columns - 1) if sliding else 0  # padded column of index 0
        padded = torch.arange(first, first + columns)[None, :]  # (1, columns)
        start = (width - lengths)[:, None]  # (B, 1): a row's first real column
        blocked = (padded < start) | (padded > width)
        if sliding:
            blocked |= padded <= width - self.sliding_window
        return blocked[:, None, None, :]


_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fused_step(model: nn.Module) -> DecodeStep | None:
    """The model's ``DecodeStep``, built once per model (packing takes seconds), or None
    when ``why_not_fused`` names a reason. Kept only as long as the model is, and built
    again if its layers were swapped since (``halve_linears`` after a first use)."""
    layers = _layer_ids(model)
    if model not in _STEPS or _STEPS[model][0] != layers:
        _STEPS[model] = (layers, None if why_not_fused(model) else DecodeStep(model))
    return _STEPS[model][1]


def _layer_ids(model: nn.Module) -> tuple[int, ...]:
    return tuple(id(module) for module in model.modules())
