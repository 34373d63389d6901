"""The next-token view: one forward pass, then cheap re-shaping by temperature/top-k/top-p.

``next_token_logits_for`` runs the model once; ``distribution`` only reshapes those cached
logits, so the UI can move sliders without calling the model again. The probabilities are
the ones the engine samples from (same ``next_token_distribution`` and ``filter_logits``).
Both run on the runtime's compute thread (``Runtime.call``): they are vocabulary-sized torch
work, and lmdemo keeps all of that on one thread (see ``lmdemo.threads``).

With a remote backend the served model, not a local copy, answers ``api_next_token`` and
``top_probabilities``, from the log-probabilities the server returns.

Control tokens (``<pad>``, ``<start_of_image>``…) get no probability here, as in the engine:
the view shows what sampling can actually pick.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from ..engine.budget import fit_budget
from ..engine.sampling import (
    banned_ids,
    control_token_ids,
    filter_logits,
    mask_banned,
    next_token_distribution,
)
from ..engine.steps import eos_ids
from ..errors import InputError
from ..inputs import check_chars, show_value
from ..models.forward import next_token_logits
from ..params import SamplingParams, make_params
from .tokens import token_text, visible

if TYPE_CHECKING:
    from ..runtime import Runtime

TOP_N_MAX = 100
CUT_SHOWN = 5  # how many of the best filtered-out tokens to list after the kept ones
FEATURE = "next-token view"  # how UnavailableError names this view


def _check_top_n(top_n: object) -> int:
    if isinstance(top_n, bool) or not isinstance(top_n, (int, float)) or top_n != int(top_n) \
            or not 1 <= top_n <= TOP_N_MAX:
        raise InputError(key="err_top_n", high=TOP_N_MAX, value=show_value(top_n))
    return int(top_n)


def check_prompt(runtime: Runtime, prompt: object) -> str:
    """The view's prompt: text within the input cap, of valid Unicode, not blank.

    Returned as typed: a trailing space changes what the model expects next.
    """
    if prompt is None or isinstance(prompt, str) and not prompt.strip():
        raise InputError(key="err_view_next_token_empty")
    return check_chars(prompt, "prompt", runtime.config.max_input_chars, "prompt")


def next_token_logits_for(runtime: Runtime, prompt: str) -> torch.Tensor:
    """Float32 logits ``(vocab,)`` for the token after ``prompt`` (left-cut to the window)."""
    return logits_after_ids(runtime, runtime.encode(prompt))


def logits_after_ids(runtime: Runtime, ids: list[int]) -> torch.Tensor:
    """Float32 logits ``(vocab,)`` after exact token ids (left-cut to the window).

    Stepping token by token keeps ids rather than re-tokenizing the text: a chosen token
    can be one byte of a character, and BPE may merge the re-typed text differently.
    Needs the local weights (all logits, not a server's top few).
    """
    loaded = runtime.weights("next-token")
    bos = getattr(loaded.tokenizer, "bos_token_id", None)
    ids = fit_budget(ids, 0, max(1, loaded.context_window), bos).prompt_ids
    logits = runtime.call(next_token_logits, loaded, ids)
    return mask_banned(logits, _banned(runtime, logits.numel()))


def _banned(runtime: Runtime, vocab_size: int) -> torch.Tensor:
    """The ids the engine never samples for the live model (control tokens, EOS kept)."""
    loaded = runtime.loaded
    keep = eos_ids(loaded) if getattr(loaded, "model", None) is not None else ()
    return banned_ids(loaded.tokenizer, vocab_size, keep)


def distribution(
    runtime: Runtime,
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
    banned = _banned(runtime, logits.numel())
    return runtime.call(_reshape, runtime.tokenizer, logits, params, top_n, banned)


def _reshape(tokenizer: object, logits: torch.Tensor, params: SamplingParams,
             top_n: int, banned: torch.Tensor | None = None) -> dict:
    logits = mask_banned(logits.detach().float().reshape(-1).cpu(), banned)  # (vocab,)
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
    n_cut = min(CUT_SHOWN, int(torch.isfinite(logits).sum()) - kept_count)  # never banned
    if n_cut:
        ids += torch.topk(logits.masked_fill(kept, float("-inf")), n_cut).indices.tolist()
    candidates = []
    for i in ids:
        text, display = token_text(tokenizer, i)
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


def _server_top(runtime: Runtime, prompt: str, n: int) -> list[tuple[str, float]]:
    """The served model's ``n`` likeliest next tokens, or why this backend cannot say."""
    runtime.require_logprobs(FEATURE)
    pairs = runtime.backend.next_token_top(runtime.encode(prompt), prompt, n)
    control = _control_texts(runtime.tokenizer)  # the server sends text, not ids
    pairs = [(text, logprob) for text, logprob in pairs if text not in control]
    return sorted(pairs, key=lambda pair: -pair[1])[:n]  # best first, whatever the server sent


def _control_texts(tokenizer: object) -> set[str]:
    """The text of each control token (<pad>, <start_of_image>…) of this tokenizer, EOS
    aside: the end of the text is a real choice, as in the engine."""
    ids = sorted(control_token_ids(tokenizer) - {getattr(tokenizer, "eos_token_id", None)})
    return {str(t) for t in tokenizer.convert_ids_to_tokens(ids)}  # type: ignore[attr-defined]


def top_probabilities(runtime: Runtime, prompt: str, top_n: int = 10) -> list[dict]:
    """The raw next-token odds (temperature 1, no filter): [{"token", "display",
    "probability"}], best first, from the local model or the server's log-probabilities."""
    top_n = _check_top_n(top_n)
    prompt = check_prompt(runtime, prompt)
    if runtime.remote:
        return [{"token": text, "display": visible(text), "probability": math.exp(logprob)}
                for text, logprob in _server_top(runtime, prompt, top_n)]
    dist = distribution(runtime, next_token_logits_for(runtime, prompt), 1.0, 0, 1.0, top_n)
    return [{"token": c["token"], "display": c["display"], "probability": c["probability"]}
            for c in dist["candidates"]]


def api_next_token(
    runtime: Runtime,
    prompt: str,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    top_n: int = 20,
) -> list[dict]:
    """Most likely next tokens [{"token", "probability"}], kept ones only, best first.

    A server lists only its ``top_n`` likeliest tokens, so there the settings re-shape that
    list (probabilities add up to 1 over it); the local model re-shapes the whole vocabulary.
    """
    params = make_params(temperature=temperature, top_k=top_k, top_p=top_p)
    top_n = _check_top_n(top_n)
    prompt = check_prompt(runtime, prompt)
    if runtime.remote:
        pairs = _server_top(runtime, prompt, top_n)
        if not pairs:
            return []
        logprobs = torch.tensor([logprob for _, logprob in pairs], dtype=torch.float32)
        probs = next_token_distribution(logprobs, params)  # (top_n,) over the listed tokens
        return [{"token": text, "probability": float(p)}
                for (text, _), p in zip(pairs, probs.tolist(), strict=True) if p > 0]
    result = distribution(runtime, next_token_logits_for(runtime, prompt), params.temperature,
                          params.top_k, params.top_p, top_n)
    return [{"token": c["token"], "probability": c["probability"]}
            for c in result["candidates"] if c["kept"]]
