"""Attention weights: for each token, how much each earlier token contributes, per head.

Models load with PyTorch's fused SDPA attention, which never materialises the weights, and
transformers 5 picks the attention function from ``model.config._attn_implementation`` with
no per-call override. Flipping that setting on the live model would change it under the
engine's worker thread, so this module builds an *eager twin* once per model instead: a copy
of the module tree that shares every weight tensor (no extra memory for weights) but has
its own config set to "eager", which returns the softmax weights to ``output_attentions``.
"""

from __future__ import annotations

import copy
import itertools
import threading
import weakref
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..errors import InputError
from ..inputs import check_chars, show_value
from ..models.forward import model_ids
from ..models.loader import LoadedModel
from .tokens import token_text, tokenize_with

if TYPE_CHECKING:
    from ..runtime import Runtime

MAX_TOKENS = 128  # a T x T heatmap stops being readable well before this
_TWINS: weakref.WeakKeyDictionary[torch.nn.Module, torch.nn.Module] = (
    weakref.WeakKeyDictionary()
)
_TWIN_LOCK = threading.Lock()


def _eager_twin(model: torch.nn.Module) -> torch.nn.Module:
    """The model itself if it already runs eager attention, else its weight-sharing twin."""
    if getattr(model.config, "_attn_implementation", "eager") == "eager":
        return model
    with _TWIN_LOCK:
        twin = _TWINS.get(model)
        if twin is None:
            # deepcopy's memo maps each tensor to itself, so the copy shares them all.
            shared = {id(t): t for t in itertools.chain(model.parameters(), model.buffers())}
            twin = copy.deepcopy(model, shared)
            twin.set_attn_implementation("eager")  # type: ignore[operator]
            twin.eval()
            _TWINS[model] = twin
    return twin


def shape(runtime: Runtime) -> tuple[int, int]:
    """(number of layers, attention heads per layer) of the live model."""
    config = runtime.weights("attention").model.config
    if hasattr(config, "get_text_config"):
        config = config.get_text_config()
    return int(config.num_hidden_layers), int(config.num_attention_heads)


def _tokens(tokenizer: object, ids: list[int], text: str) -> tuple[list[str], list[str]]:
    """Per id: its raw text, as /tokenize gives it, and a readable label ("␣cat", "你 (1/2)").

    Joined, the raw texts of the text's own tokens give back ``text``; a token holding only
    part of a character has "" there, and its label says which part it is.
    """
    pieces = tokenize_with(tokenizer, text)
    plain = [p["id"] for p in pieces]
    extra = len(ids) - len(plain)
    if extra >= 0 and ids[extra:] == plain:  # the model's ids = specials (<bos>) + text
        specials = [token_text(tokenizer, i) for i in ids[:extra]]
        return ([raw for raw, _ in specials] + [p["token"] for p in pieces],
                [label for _, label in specials] + [p["display"] for p in pieces])
    both = [token_text(tokenizer, i) for i in ids]
    return [raw for raw, _ in both], [label for _, label in both]


def _ids(tokenizer: object, text: str) -> list[int]:
    if not isinstance(text, str) or not text.strip():
        raise InputError(key="err_view_attention_empty")
    ids = model_ids(tokenizer, text)
    if len(ids) > MAX_TOKENS:
        raise InputError(key="err_attention_long", length=len(ids), limit=MAX_TOKENS)
    return ids


def attention_all(runtime: Runtime, text: str) -> dict:
    """Every layer and head: {"tokens": [T raw texts], "labels": [T readable labels],
    "weights": float32 array (L, H, T, T)}."""
    loaded = runtime.weights("attention")
    if text is not None and not (isinstance(text, str) and not text.strip()):
        text = check_chars(text, "text", runtime.config.max_input_chars, "what_text")
    ids = _ids(loaded.tokenizer, text)  # fail before queueing on the compute thread
    return runtime.call(_attention_all, loaded, ids, text)


def _attention_all(loaded: LoadedModel, ids: list[int], text: str) -> dict:
    twin = _eager_twin(loaded.model)
    inputs = torch.tensor([ids], dtype=torch.long, device=loaded.device)
    with torch.inference_mode():
        out = twin(input_ids=inputs, use_cache=False, output_attentions=True)
    if not out.attentions or any(a is None for a in out.attentions):
        raise InputError(key="err_no_attention_weights", model=loaded.name)
    weights = torch.stack([a[0].float() for a in out.attentions])  # (L, H, T, T)
    # Rows are softmaxes; renormalise to absorb bf16 rounding (sum 1 +- 1e-2 otherwise).
    weights = weights / weights.sum(dim=-1, keepdim=True).clamp_min(1e-12)
    tokens, labels = _tokens(loaded.tokenizer, ids, text)
    return {"tokens": tokens, "labels": labels, "weights": weights.cpu().numpy()}


def _as_index(value: object) -> int | None:
    """A whole number from an int, an integral float (a slider) or a digit string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _check(layer: object, head: object, n_layers: int, n_heads: int) -> tuple[int, int | str]:
    """Validate a layer index and a head index or "mean"; messages name the valid range."""
    layer_i = _as_index(layer)
    if layer_i is None or not 0 <= layer_i < n_layers:
        raise InputError(key="err_attention_layer", high=n_layers - 1, value=show_value(layer))
    if isinstance(head, str) and head.strip().lower() == "mean":
        return layer_i, "mean"
    head_i = _as_index(head)
    if head_i is None or not 0 <= head_i < n_heads:
        raise InputError(key="err_attention_head", high=n_heads - 1, value=show_value(head))
    return layer_i, head_i


def select(result: dict, layer: int, head: int | str) -> dict:
    """One T x T map from an attention_all result: a head, or the mean over heads."""
    weights = result["weights"]
    layer_i, head_i = _check(layer, head, weights.shape[0], weights.shape[1])
    grid = weights[layer_i].mean(axis=0) if head_i == "mean" else weights[layer_i, head_i]
    return {"tokens": list(result["tokens"]), "labels": list(result["labels"]),
            "weights": np.asarray(grid).tolist(), "layer": layer_i, "head": head_i}


def attention(runtime: Runtime, text: str, layer: int, head: int | str) -> dict:
    """{"tokens": [T raw texts], "labels": [T readable labels], "weights": T x T lists (rows
    sum to 1), "layer", "head"}."""
    _check(layer, head, *shape(runtime))  # fail before running the model
    return select(attention_all(runtime, text), layer, head)
