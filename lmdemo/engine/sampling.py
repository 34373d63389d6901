"""Turn next-token logits into a choice: repetition penalty, temperature, top-k, top-p.

Every function works on one row of logits ``(vocab,)`` in float32 so the result does not
depend on the model's dtype or on which other requests share a batch. ``sample_rows`` does
the same for every row of a decoding step at once: row by row it gives the same
distributions, but it touches the whole vocabulary only in a few batched operations (on a
busy 2-core CPU each vocabulary-wide op costs milliseconds, per row that adds up). Nothing
sorts the whole vocabulary: a greedy row whose raw argmax is allowed takes it without a
masked copy of the row, top-k uses ``topk``, and top-p sorts only the most likely tokens
(``nucleus_drop``).

Control tokens (``<bos>``, ``<pad>``, ``<start_of_image>``, ``<unused12>``…) are never text:
``banned_ids`` finds them in the tokenizer, and their logits become -inf before anything
else, so they are never drawn and never listed as alternatives.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from ..params import SamplingParams

# Names a tokenizer gives its control tokens: <|endoftext|>, <start_of_image>, <unused12>,
# <pad>. Narrow on purpose: Gemma keeps <table>, <h1> and <s> as ordinary (HTML) tokens.
_CONTROL_NAME = re.compile(r"<\|[^|<>\s]+\|>|<(?:unused\d+|pad|mask|unk|[a-z]+(?:_[a-z]+)+)>",
                           re.IGNORECASE)
# Added tokens only: bracketed markers such as [multimodal] or BERT's [PAD]. A plain
# vocabulary may hold "[edit]" as text, so this is not applied to it.
_ADDED_MARKER = re.compile(r"\[[a-z_]+\]", re.IGNORECASE)
_CONTROL_CACHE: weakref.WeakKeyDictionary[object, frozenset[int]] = weakref.WeakKeyDictionary()
_CONTROL_LOCK = threading.Lock()


def control_token_ids(tokenizer: object) -> frozenset[int]:
    """Ids the tokenizer uses for control rather than text (end-of-text included).

    Special ids, added tokens flagged special, and added or vocabulary tokens whose text
    looks like a control name. Derived from the tokenizer, never a fixed list of ids: a
    GGUF-converted Gemma, for one, no longer flags <start_of_image> as special. Cached per
    tokenizer (scanning a 262k vocabulary takes about a second).
    """
    with _CONTROL_LOCK:
        cached = _CONTROL_CACHE.get(tokenizer)
    if cached is not None:
        return cached
    ids = {int(i) for i in getattr(tokenizer, "all_special_ids", None) or []}
    added = getattr(tokenizer, "added_tokens_decoder", None) or {}
    for i, token in added.items():
        text = str(getattr(token, "content", token))
        if getattr(token, "special", False) or _CONTROL_NAME.fullmatch(text) \
                or _ADDED_MARKER.fullmatch(text):
            ids.add(int(i))
    vocab = tokenizer.get_vocab() if hasattr(tokenizer, "get_vocab") else {}
    ids.update(int(i) for text, i in vocab.items()
               if text[:1] == "<" and _CONTROL_NAME.fullmatch(text))
    found = frozenset(ids)
    with _CONTROL_LOCK:
        _CONTROL_CACHE[tokenizer] = found
    return found


def banned_ids(tokenizer: object, vocab_size: int, keep: Iterable[int] = ()) -> torch.Tensor:
    """Sorted ids ``(n,)`` sampling must never pick from a ``vocab_size`` row of logits.

    The control tokens minus ``keep`` (the end-of-text ids, which end a text rather than
    appear in it), plus rows past the tokenizer's last id (padding of the weight matrix).
    """
    kept = {int(i) for i in keep}
    ids = {i for i in control_token_ids(tokenizer) if i < vocab_size and i not in kept}
    ids.update(range(min(len(tokenizer), vocab_size), vocab_size))  # type: ignore[arg-type]
    return torch.tensor(sorted(ids), dtype=torch.long)


def mask_banned(logits: torch.Tensor, banned: torch.Tensor | None) -> torch.Tensor:
    """``logits`` (..., vocab) with the banned ids at -inf; a copy, or the input if none."""
    if banned is None or banned.numel() == 0:
        return logits
    return logits.index_fill(-1, banned, float("-inf"))


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
        candidates = torch.nonzero(torch.isfinite(out)).squeeze(1)
        out[candidates[nucleus_drop(out[candidates], top_p)]] = float("-inf")
    return out


# Top-p sorts only the most likely tokens: this many first, four times more while they hold
# less than top_p of the mass. Sorting a 262k-word row costs ~10 ms on a busy 2-core CPU.
NUCLEUS_FIRST = 256


def nucleus_drop(values: torch.Tensor, top_p: float) -> torch.Tensor:
    """Positions of ``values`` (n,) (finite logits) outside their top-p nucleus.

    The nucleus is the smallest set of most likely tokens whose probability reaches
    ``top_p``; the most likely token is always kept. The probabilities are normalised over
    all ``values`` (logsumexp, no sort), and only the top ``k`` are sorted, ``k`` growing
    until they hold ``top_p``: every token outside them has at least that much mass above
    it, so it is outside the nucleus too.
    """
    n = values.numel()
    total = torch.logsumexp(values, dim=-1) if n > NUCLEUS_FIRST else None
    k = min(NUCLEUS_FIRST, n)
    while True:
        if k < n:
            top, order = torch.topk(values, k)
            probs = torch.exp(top - total)
        else:  # the whole row: the same softmax as a full sort always took
            top, order = torch.sort(values, descending=True)
            probs = torch.softmax(top, dim=-1)
        before = torch.cumsum(probs, dim=-1) - probs  # mass strictly above each token
        if k == n or float(before[-1] + probs[-1]) >= top_p:
            break
        k = min(4 * k, n)
    keep = torch.zeros(n, dtype=torch.bool)
    inside = before < top_p
    inside[0] = True
    keep[order[inside]] = True
    return torch.nonzero(~keep).squeeze(1)


def next_token_distribution(
    logits: torch.Tensor, params: SamplingParams, seen: torch.Tensor | None = None,
    banned: torch.Tensor | None = None,
) -> torch.Tensor:
    """Probabilities ``(vocab,)`` that sampling draws from; one-hot for greedy."""
    logits = mask_banned(logits.float(), banned).clone()
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
    return _draw(torch.cumsum(probs, dim=-1), generator)


def _draw(cdf: torch.Tensor, generator: torch.Generator) -> int:
    """Inverse-CDF draw: one uniform number per token, so a stream uses its generator alike
    whether it runs alone or in a batch. Zero-probability tokens can never be drawn."""
    u = float(torch.rand((), generator=generator)) * float(cdf[-1])
    return min(int(torch.searchsorted(cdf, torch.tensor([u]), right=True)), cdf.numel() - 1)


@dataclass(frozen=True)
class Draw:
    """One sampled token with its probability and the most likely alternatives."""

    token: int
    probability: float
    alternatives: tuple[tuple[int, float], ...]


def sample_rows(logits: torch.Tensor, params: list[SamplingParams], seen: list[torch.Tensor],
                generators: list[torch.Generator | None], alternatives: int = 5,
                banned: torch.Tensor | None = None) -> list[Draw]:
    """Sample one token for each row of ``logits`` (rows, vocab) under that row's own rules;
    ``banned`` ids (control tokens) are never drawn nor listed."""
    draws: list[Draw | None] = [None] * len(params)
    for i, token in _plain_argmax(logits, params, seen, banned).items():
        draws[i] = Draw(token, 1.0, ((token, 1.0),))
    rest = [i for i, d in enumerate(draws) if d is None]  # rows of params still to sample
    if not rest:
        return draws  # type: ignore[return-value]
    if len(rest) < len(params):
        logits = logits[torch.tensor(rest)]  # (len(rest), vocab)
    logits = _penalised(logits, [params[i] for i in rest], [seen[i] for i in rest], banned)
    greedy = [row for row, i in enumerate(rest) if params[i].greedy]
    sampled = [row for row, i in enumerate(rest) if not params[i].greedy]
    if greedy:  # one-hot distribution: the argmax is the only alternative
        best = logits[torch.tensor(greedy)].argmax(dim=-1).tolist()
        for row, token in zip(greedy, best, strict=True):
            draws[rest[row]] = Draw(token, 1.0, ((token, 1.0),))
    if sampled:
        probs = _sampled_distributions(logits[torch.tensor(sampled)],
                                       [params[rest[row]] for row in sampled])
        top = torch.topk(probs, min(alternatives, probs.shape[-1]))
        top_ids, top_probs = top.indices.tolist(), top.values.tolist()
        cdf = torch.cumsum(probs, dim=-1)
        for row, i in enumerate(rest[r] for r in sampled):
            generator = generators[i]
            assert generator is not None
            token = _draw(cdf[row], generator)
            alts = tuple((t, q) for t, q in zip(top_ids[row], top_probs[row], strict=True)
                         if q > 0)
            draws[i] = Draw(token, float(probs[row, token]), alts)
    return draws  # type: ignore[return-value]


def _plain_argmax(logits: torch.Tensor, params: list[SamplingParams],
                  seen: list[torch.Tensor], banned: torch.Tensor | None) -> dict[int, int]:
    """Greedy rows whose token is the argmax of the raw logits: {row: token}.

    Banning and the repetition penalty only lower logits, so when the raw argmax is neither
    banned nor already seen it is still the first maximum afterwards, and no masked copy of
    the row is needed. Other greedy rows are left to the full path.
    """
    greedy = [i for i, p in enumerate(params) if p.greedy]
    if not greedy:
        return {}
    rows = logits if len(greedy) == len(params) else logits[torch.tensor(greedy)]
    best = rows.argmax(dim=-1)  # (greedy rows,)
    barred = [False] * len(greedy) if banned is None else torch.isin(best, banned).tolist()
    found = {}
    for i, token, bar in zip(greedy, best.tolist(), barred, strict=True):
        penalised = params[i].repetition_penalty != 1.0 and seen[i].numel() > 0
        if bar or (penalised and bool((seen[i] == token).any())):
            continue
        found[i] = token
    return found


def row_distributions(logits: torch.Tensor, params: list[SamplingParams],
                      seen: list[torch.Tensor], banned: torch.Tensor | None = None
                      ) -> torch.Tensor:
    """``next_token_distribution`` for every row of ``logits`` (rows, vocab) at once."""
    logits = _penalised(logits, params, seen, banned)
    probs = torch.zeros_like(logits)
    greedy = [i for i, p in enumerate(params) if p.greedy]
    sampled = [i for i, p in enumerate(params) if not p.greedy]
    if greedy:
        index = torch.tensor(greedy)
        probs[index, logits[index].argmax(dim=-1)] = 1.0
    if sampled:
        probs[torch.tensor(sampled)] = _sampled_distributions(
            logits[torch.tensor(sampled)], [params[i] for i in sampled])
    return probs


def _penalised(logits: torch.Tensor, params: list[SamplingParams],
               seen: list[torch.Tensor], banned: torch.Tensor | None = None) -> torch.Tensor:
    """Float32 logits with banned ids at -inf and each row's repetition penalty applied
    (a copy only if needed)."""
    logits = logits.float()
    masked = mask_banned(logits, banned)
    rows = [i for i, (p, s) in enumerate(zip(params, seen, strict=True))
            if p.repetition_penalty != 1.0 and s.numel()]
    if rows and masked is logits:
        masked = logits.clone()
    logits = masked
    for i in rows:
        penalty, ids = params[i].repetition_penalty, torch.unique(seen[i])
        picked = logits[i, ids]
        logits[i, ids] = torch.where(picked > 0, picked / penalty, picked * penalty)
    return logits


def _sampled_distributions(logits: torch.Tensor, params: list[SamplingParams]) -> torch.Tensor:
    """Temperature, top-k and top-p for non-greedy rows; returns probabilities (rows, vocab)."""
    temps = torch.tensor([p.temperature for p in params])
    return torch.softmax(_filter_rows(logits / temps[:, None], params), dim=-1)


def _filter_rows(logits: torch.Tensor, params: list[SamplingParams]) -> torch.Tensor:
    """``filter_logits`` for each row, in place; vocabulary-wide work is batched."""
    rows, vocab = logits.shape
    ks = [p.top_k if 0 < p.top_k < vocab else 0 for p in params]
    top = None
    if any(ks):
        top = torch.topk(logits, max(ks))  # (rows, kmax), sorted
        values = top.values.tolist()
        kth = torch.tensor([values[i][k - 1] if k else float("-inf") for i, k in enumerate(ks)])
        logits.masked_fill_(logits < kth[:, None], float("-inf"))
        kept = torch.isfinite(logits).sum(dim=-1).tolist()
    for i, p in enumerate(params):
        if p.top_p >= 1.0:
            continue
        if top is not None and ks[i] and kept[i] == ks[i]:  # no ties: the top-k are the set
            candidates = top.indices[i, : ks[i]]
        else:
            candidates = torch.nonzero(torch.isfinite(logits[i])).squeeze(1)
        logits[i, candidates[nucleus_drop(logits[i, candidates], p.top_p)]] = float("-inf")
    return logits
