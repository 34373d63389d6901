"""One KV cache shared by every running request, so a decoding step is one batched forward.

Rows are right-aligned (left-padded): every row's newest token sits in the last column, so
one decode step appends one column for everybody. Newcomers are prefilled together in one
forward (left-padded among themselves), then merged in by padding whichever side is
shorter. When a request leaves, its row is dropped and padding columns nobody needs any
more are trimmed.

Padding columns hold zeros and are masked out, and each row gets its own position ids, so a
row's logits match its solo run up to float rounding (different matmul shapes).
"""

from __future__ import annotations

import inspect

import torch
import torch.nn.functional as F
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer, DynamicSlidingWindowLayer

from ..models.decode_step import fused_step
from ..models.forward import takes_logits_to_keep
from ..models.fp16 import Fp16Linear
from .head import RowNeed, candidate_head
from .slab import SlabLayer

_SUPPORTED_LAYERS = (DynamicLayer, DynamicSlidingWindowLayer)
# What one more prefill forward costs beyond its tokens, in tokens: every forward reads all
# weights once (GPT-2 on 2 cores: ~5.5 ms per forward, ~1.2 ms per token row).
FORWARD_COST_TOKENS = 8
# Models whose logits are exactly ``lm_head(base_model(...))`` (with optional soft-capping),
# so the engine may compute the head itself; see ``_head``.
_PLAIN_HEAD_TYPES = {"gpt2", "gemma3_text", "llama", "qwen2", "qwen3", "mistral"}


def why_not_batched(model: torch.nn.Module) -> str:
    """Why this model's steps cannot share one padded cache, or '' when they can."""
    if "position_ids" not in inspect.signature(model.forward).parameters:
        return f"{type(model).__name__}.forward takes no position_ids"
    try:
        cache = DynamicCache(config=model.config)
    except (ValueError, TypeError, AttributeError, NotImplementedError) as exc:
        # configs DynamicCache cannot read (exotic or remote-code models)
        return f"DynamicCache cannot be built for this config ({type(exc).__name__}: {exc})"
    odd = sorted({type(layer).__name__ for layer in cache.layers
                  if type(layer) not in _SUPPORTED_LAYERS})
    if not cache.layers or odd:
        return f"its cache has layers we cannot pad ({', '.join(odd) or 'none at all'})"
    return ""


def can_batch(model: torch.nn.Module) -> bool:
    """True when this model's cache is made of plain or sliding-window layers we can pad."""
    return not why_not_batched(model)


def prefill_groups(lengths: list[int]) -> list[list[int]]:
    """Split prompts into prefill forwards of similar lengths: lists of indices into ``lengths``.

    One left-padded forward computes ``rows * longest`` token rows. Newcomers of a busy step
    differ in length (5 and 17 tokens: 2x the work when padded together), and separate
    forwards each read every weight once, so the split minimises
    ``sum(FORWARD_COST_TOKENS + rows * longest)`` over groups of neighbours in length order.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    best = [0.0] + [float("inf")] * len(order)  # best[j]: cost of the first j in that order
    cut = [0] * (len(order) + 1)
    for j in range(1, len(order) + 1):
        longest = lengths[order[j - 1]]
        for i in range(j):
            cost = best[i] + FORWARD_COST_TOKENS + (j - i) * longest
            if cost < best[j]:
                best[j], cut[j] = cost, i
    groups: list[list[int]] = []
    j = len(order)
    while j:
        groups.append(order[cut[j]:j])
        j = cut[j]
    return groups[::-1]


def _pad_left(x: torch.Tensor, width: int) -> torch.Tensor:
    """Pad the time axis (-2) of ``x`` (B, H, T, D) on the left with zeros up to ``width``."""
    missing = width - x.shape[-2]
    return F.pad(x, (0, 0, missing, 0)) if missing > 0 else x


def _plain_head(model: torch.nn.Module) -> torch.nn.Module | None:
    head = model.get_output_embeddings()
    if model.config.model_type in _PLAIN_HEAD_TYPES and isinstance(head, (torch.nn.Linear,
                                                                           Fp16Linear)):
        return head
    return None


class KVBatch:
    """The rows of a left-padded batched cache, with each row's real length."""

    def __init__(self, model: torch.nn.Module, device: torch.device, fused: bool = True):
        self.model = model
        self.device = device
        self._lm_head = _plain_head(model)
        # one token per row: the hand-written step where it covers the model (decode_step.py)
        usable = fused and self._lm_head is not None and device.type == "cpu"
        self._step = fused_step(model) if usable else None
        # the int8 candidate head, where start-up measured it faster (engine/head.py)
        self._candidates = candidate_head(model) if self._step is not None else None
        self.cache: DynamicCache | None = None
        self.lengths: list[int] = []  # real (unpadded) tokens per row
        self.width = 0  # padded time length T shared by all rows

    def __len__(self) -> int:
        return len(self.lengths)

    # ---- forwards -----------------------------------------------------------------------
    def prefill(self, prompts: list[list[int]]) -> tuple[DynamicCache, torch.Tensor]:
        """Run newcomers' prompts in one forward (left-padded among themselves).

        Returns their cache, to be merged with ``add``, and float32 logits (n, vocab).
        """
        width = max(len(ids) for ids in prompts)
        inputs = torch.zeros(len(prompts), width, dtype=torch.long)
        mask = torch.zeros(len(prompts), width, dtype=torch.long)
        for row, ids in enumerate(prompts):
            inputs[row, width - len(ids):] = torch.tensor(ids)
            mask[row, width - len(ids):] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)  # (n, width): 0.. from the first real token
        cache = DynamicCache(config=self.model.config)
        logits = self._forward(inputs.to(self.device), mask.to(self.device),
                               positions.to(self.device), cache)
        return cache, logits

    def extend(self, cache: DynamicCache | None, ids: list[int], past: int
               ) -> tuple[DynamicCache, torch.Tensor]:
        """Prefill one chunk of one prompt on its own cache, outside the batch: feed ``ids``
        after the ``past`` tokens ``cache`` holds (a new cache when None).

        Returns the cache, to be merged with ``add`` once the whole prompt is in, and the
        float32 logits (vocab,) after the chunk's last token.
        """
        if cache is None:
            cache = DynamicCache(config=self.model.config)
        inputs = torch.tensor([ids], dtype=torch.long, device=self.device)
        mask = torch.ones(1, past + len(ids), dtype=torch.long, device=self.device)
        positions = torch.arange(past, past + len(ids), device=self.device)[None]  # (1, chunk)
        return cache, self._forward(inputs, mask, positions, cache)[0]

    def decode(self, tokens: list[int], needs: list[RowNeed] | None = None,
               banned: torch.Tensor | None = None) -> torch.Tensor:
        """Feed one new token per row; return float32 logits ``(rows, vocab)``.

        With ``needs`` (what each row's sampler reads) the logits may come from the int8
        candidate head: exact wherever the sampler can tell (engine/head.py); ``banned``
        ids are never drawn, so they need no exact value.
        """
        assert self.cache is not None and len(tokens) == len(self.lengths)
        lengths = torch.tensor(self.lengths, device=self.device)
        inputs = torch.tensor(tokens, dtype=torch.long, device=self.device)
        if self._step is not None:
            hidden = self._step(inputs, lengths, self.width, self.cache)
            cheap = self._candidates
            if needs is not None and cheap is not None and cheap.use_for(len(tokens)):
                logits = cheap(hidden, needs, banned)
            else:
                logits = self._head(hidden)
        else:
            columns = torch.arange(self.width + 1, device=self.device)
            # (B, T+1): a row's real tokens are its last `length + 1` columns
            mask = (columns[None, :] >= (self.width - lengths)[:, None]).long()
            # position_ids (B, 1): each row's new token at its own position
            logits = self._forward(inputs[:, None], mask, lengths[:, None], self.cache)
        self.width += 1
        self.lengths = [n + 1 for n in self.lengths]
        return logits

    def _forward(self, inputs: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor,
                 cache: DynamicCache) -> torch.Tensor:
        """Float32 logits (B, vocab) of each row's last position."""
        kwargs = dict(input_ids=inputs, attention_mask=mask, position_ids=positions,
                      cache=cache, use_cache=True)
        if self._lm_head is None:
            if takes_logits_to_keep(type(self.model)):
                kwargs["logits_to_keep"] = 1
            return self.model(**kwargs).logits[:, -1].float().cpu()
        hidden = self.model.base_model(**kwargs).last_hidden_state[:, -1]  # (B, hidden)
        return self._head(hidden)

    def _head(self, hidden: torch.Tensor) -> torch.Tensor:
        """Float32 logits (B, vocab) on the CPU, from ``lm_head`` as ``(W @ h.T).T``: MKL runs
        this orientation ~2x faster for a few rows against a vocabulary-sized weight
        (measured 30 vs 49 ms at 16 rows for GPT-2)."""
        head = self._lm_head
        assert head is not None
        if isinstance(head, Fp16Linear):  # FBGEMM's product, bias included
            logits = head(hidden)
        else:
            if hidden.shape[0] == 1:  # one row: the plain product is as fast
                logits = hidden @ head.weight.T
            else:
                logits = (head.weight @ hidden.T).T
            if head.bias is not None:
                logits = logits + head.bias
        cap = getattr(self.model.config, "final_logit_softcapping", None)
        if cap is not None:
            logits = torch.tanh(logits / cap) * cap
        return logits.float().cpu()

    # ---- membership ---------------------------------------------------------------------
    def join(self, prompts: list[list[int]]) -> list[tuple[int, torch.Tensor]]:
        """Prefill ``prompts`` in length groups (``prefill_groups``) and append them as rows.

        Returns ``(index into prompts, float32 logits (vocab,))`` in the order the rows were
        appended, which is group order rather than the order given.
        """
        joined: list[tuple[int, torch.Tensor]] = []
        for group in prefill_groups([len(ids) for ids in prompts]):
            cache, logits = self.prefill([prompts[i] for i in group])
            self.add(cache, [len(prompts[i]) for i in group])
            joined.extend(zip(group, logits, strict=True))
        return joined

    def add(self, cache: DynamicCache, lengths: list[int]) -> None:
        """Append prefilled requests (the rows of ``cache``, real lengths ``lengths``)."""
        if self.cache is None:
            self.cache, self.lengths, self.width = cache, list(lengths), max(lengths)
            for i, layer in enumerate(cache.layers):
                if not isinstance(layer, DynamicSlidingWindowLayer):
                    cache.layers[i] = SlabLayer(layer.keys, layer.values)
            return
        width = max(self.width, *lengths)
        for i, (mine, new) in enumerate(zip(self.cache.layers, cache.layers, strict=True)):
            if isinstance(mine, DynamicSlidingWindowLayer):
                # sliding layers keep only the last window-1 columns
                target = min(width, mine.sliding_window - 1)
                mine.cumulative_length = width
                mine.keys = torch.cat([_pad_left(mine.keys, target), _pad_left(new.keys, target)])
                mine.values = torch.cat([_pad_left(mine.values, target),
                                         _pad_left(new.values, target)])
            else:
                keys, values = mine.filled()
                self.cache.layers[i] = SlabLayer(
                    torch.cat([_pad_left(keys, width), _pad_left(new.keys, width)]),
                    torch.cat([_pad_left(values, width), _pad_left(new.values, width)]))
        self.width = width
        self.lengths.extend(lengths)

    def take(self, row: int) -> tuple[DynamicCache, int]:
        """A copy of ``row``'s cache without its padding, and its length: a paused request
        keeps it and comes back with ``add`` without a new prefill."""
        assert self.cache is not None
        length = self.lengths[row]
        cache = DynamicCache(config=self.model.config)
        for layer, mine in zip(cache.layers, self.cache.layers, strict=True):
            if isinstance(mine, DynamicSlidingWindowLayer):
                # right-aligned: the row's newest min(length, window-1) columns are its own
                keep = min(length, mine.sliding_window - 1)
                keys, values = mine.keys, mine.values
                layer.cumulative_length = length
                layer._sliding_window_tensor = layer._sliding_window_tensor.to(self.device)
            else:
                keys, values = mine.filled()
                keep = length
            layer.keys = keys[row : row + 1, :, keys.shape[-2] - keep :].clone()
            layer.values = values[row : row + 1, :, values.shape[-2] - keep :].clone()
            layer.device, layer.is_initialized = self.device, True
        return cache, length

    def keep(self, rows: list[int]) -> None:
        """Keep only ``rows`` (in that order) and trim padding that no row needs."""
        if not rows:
            self.cache, self.lengths, self.width = None, [], 0
            return
        if rows == list(range(len(self.lengths))):
            return
        assert self.cache is not None
        self.lengths = [self.lengths[i] for i in rows]
        width = max(self.lengths)
        index = torch.tensor(rows, device=self.device)
        for i, layer in enumerate(self.cache.layers):
            if isinstance(layer, DynamicSlidingWindowLayer):
                target = min(width, layer.sliding_window - 1)
                layer.cumulative_length = width
                layer.keys = layer.keys[index, :, -target:].contiguous()
                layer.values = layer.values[index, :, -target:].contiguous()
            else:
                keys, values = layer.filled()
                self.cache.layers[i] = SlabLayer(keys[index, :, -width:], values[index, :, -width:])
        self.width = width
