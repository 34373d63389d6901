"""The next-token view: one forward pass, then cheap re-shaping by temperature/top-k/top-p.

``next_token_logits_for`` runs the model once; ``distribution`` only reshapes those cached
logits, so the UI can move sliders without calling the model again. The probabilities are
the ones the engine samples from (same ``next_token_distribution`` and ``filter_logits``).
"""

from __future__ import annotations

import math

import torch

from ..engine.budget import fit_budget
from ..engine.engine import next_token_logits
from ..engine.sampling import filter_logits, next_token_distribution
from ..errors import InputError
from ..models.loader import LoadedModel, on_model_thread
from ..params import make_params
from .tokens import model_ids, token_text

TOP_N_MAX = 100
CUT_SHOWN = 5  # how many of the best filtered-out tokens to list after the kept ones


def _check_top_n(top_n: object) -> int:
    if isinstance(top_n, bool) or not isinstance(top_n, (int, float)) or top_n != int(top_n) \
            or not 1 <= top_n <= TOP_N_MAX:
        raise InputError(f"The number of tokens to list must be a whole number between 1 and "
                         f"{TOP_N_MAX}; got {top_n!r}.")
    return int(top_n)


def next_token_logits_for(loaded: LoadedModel, prompt: str) -> torch.Tensor:
    """Float32 logits ``(vocab,)`` for the token after ``prompt`` (left-cut to the window)."""
    return logits_after_ids(loaded, model_ids(loaded, prompt))


def logits_after_ids(loaded: LoadedModel, ids: list[int]) -> torch.Tensor:
    """Float32 logits ``(vocab,)`` after exact token ids (left-cut to the window).

    Stepping token by token keeps ids rather than re-tokenizing the text: a chosen token
    can be one byte of a character, and BPE may merge the re-typed text differently.
    """
    bos = getattr(loaded.tokenizer, "bos_token_id", None)
    ids = fit_budget(ids, 0, max(1, loaded.context_window), bos).prompt_ids
    return next_token_logits(loaded, ids)


@on_model_thread
def distribution(
    loaded: LoadedModel,
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    top_n: int = 20,
) -> dict:
    """Re-shape cached logits: candidates with kept/cut flags, entropy and kept count.

    Returns {"candidates": [{"token", "display", "id", "probability", "raw_probability",
    "kept"}], "entropy_nats", "entropy_bits", "kept_count", "vocab_size"}. Candidates are
    the ``top_n`` most likely kept tokens, then up to CUT_SHOWN of the best cut ones.
    """
    params = make_params(temperature=temperature, top_k=top_k, top_p=top_p)
    top_n = _check_top_n(top_n)
    logits = logits.detach().float().reshape(-1).cpu()  # (vocab,)
    raw = torch.softmax(logits, dim=-1)  # temperature 1, no filter
    if params.greedy:
        probs = next_token_distribution(logits, params)  # one-hot on the argmax
        kept = probs > 0
    else:
        # The same steps as next_token_distribution (what sampling draws from), done here
        # so the vocabulary is sorted once, and so a kept token whose probability
        # underflows at a low temperature still counts as kept.
        filtered = filter_logits(logits / params.temperature, params.top_k, params.top_p)
        probs = torch.softmax(filtered, dim=-1)
        kept = torch.isfinite(filtered)
    kept_count = int(kept.sum())
    nz = probs[probs > 0].double()
    entropy = float(-(nz * nz.log()).sum()) if nz.numel() else 0.0
    entropy = entropy if entropy > 0 else 0.0  # a one-hot gives -0.0
    # Filters keep a prefix of the logit order, so ranking by logit ranks both groups.
    ranked = logits.masked_fill(~kept, float("-inf"))
    n_kept = min(top_n, kept_count)
    ids = torch.topk(ranked, n_kept).indices.tolist()
    n_cut = min(CUT_SHOWN, logits.numel() - kept_count)
    if n_cut:
        ids += torch.topk(logits.masked_fill(kept, float("-inf")), n_cut).indices.tolist()
    candidates = []
    for i in ids:
        text, display = token_text(loaded.tokenizer, i)
        candidates.append({"token": text, "display": display, "id": int(i),
                           "probability": float(probs[i]), "raw_probability": float(raw[i]),
                           "kept": bool(kept[i])})
    return {
        "candidates": candidates,
        "entropy_nats": entropy,
        "entropy_bits": entropy / math.log(2),
        "kept_count": kept_count,
        "vocab_size": int(logits.numel()),
    }


def api_next_token(
    loaded: LoadedModel,
    prompt: str,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    top_n: int = 20,
) -> list[dict]:
    """Most likely next tokens [{"token", "probability"}], kept ones only, best first."""
    params = make_params(temperature=temperature, top_k=top_k, top_p=top_p)
    top_n = _check_top_n(top_n)
    result = distribution(loaded, next_token_logits_for(loaded, prompt), params.temperature,
                          params.top_k, params.top_p, top_n)
    return [{"token": c["token"], "probability": c["probability"]}
            for c in result["candidates"] if c["kept"]]
