"""Word embeddings: nearest tokens by cosine similarity, and a 2-D map of words by PCA.

A word is looked up in the model's input embedding matrix. A word that is several tokens
has no vector of its own; its tokens' vectors are averaged, and ``lookup`` says so.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..errors import InputError
from ..inputs import check_chars, check_words, show_value
from ..models.loader import LoadedModel
from .tokens import token_text

if TYPE_CHECKING:
    from ..runtime import Runtime

MAX_K = 100
MAX_WORDS = 40
_CACHE: weakref.WeakKeyDictionary[torch.nn.Module, tuple[torch.Tensor, torch.Tensor]] = (
    weakref.WeakKeyDictionary()
)
_CACHE_LOCK = threading.Lock()


def _matrix(loaded: LoadedModel) -> torch.Tensor:
    return loaded.model.get_input_embeddings().weight.detach()  # (vocab, dim)


def _index(loaded: LoadedModel) -> tuple[torch.Tensor, torch.Tensor]:
    """Per model: inverse row norms (vocab,) and a mask of rows that are not words.

    Only the norms are cached, not a normalised copy: for a 262k-token vocabulary a copy
    would cost as much memory as the matrix itself.
    """
    model = loaded.model
    with _CACHE_LOCK:
        if model not in _CACHE:
            weight = _matrix(loaded)
            norms = torch.cat([chunk.float().norm(dim=-1) for chunk in weight.split(8192)])
            skip = torch.zeros(weight.shape[0], dtype=torch.bool)
            tokenizer = loaded.tokenizer
            special = set(getattr(tokenizer, "all_special_ids", []) or [])
            special |= set(getattr(tokenizer, "added_tokens_decoder", {}) or {})  # <unused0>…
            special = {i for i in special if 0 <= i < weight.shape[0]}
            skip[sorted(special)] = True
            skip[len(tokenizer):] = True  # rows padding the matrix past the tokenizer
            _CACHE[model] = (1.0 / norms.clamp_min(1e-12).cpu(), skip)
        return _CACHE[model]


def _clean(word: object, max_chars: int) -> str:
    if word is None or isinstance(word, str) and not word.strip():
        raise InputError(key="err_view_word_empty")
    return check_chars(word, "word", max_chars, "word").strip()


def lookup(runtime: Runtime, word: str) -> dict:
    """How ``word`` maps to tokens: {"word", "ids", "tokens" (raw text), "labels" (readable,
    "␣king"), "averaged"}.

    A word inside a sentence follows a space, and byte-level vocabularies store that form
    (" king") as its own token; it is used unless the bare form needs fewer tokens.
    """
    return _lookup(runtime.tokenizer, word, runtime.config.max_input_chars)


def _lookup(tokenizer: object, word: str, max_chars: int) -> dict:
    word = _clean(word, max_chars)
    forms = []
    for form in (" " + word, word):
        ids = list(tokenizer(form, add_special_tokens=False)["input_ids"])  # type: ignore[operator]
        forms.append(ids)
    ids = min(forms, key=len)  # min keeps the first (spaced) form on ties
    both = [token_text(tokenizer, i) for i in ids]
    return {"word": word, "ids": ids, "tokens": [raw for raw, _ in both],
            "labels": [label for _, label in both], "averaged": len(ids) > 1}


def _vector(loaded: LoadedModel, ids: list[int]) -> torch.Tensor:
    weight = _matrix(loaded)
    return weight[torch.tensor(ids, device=weight.device)].float().mean(dim=0).cpu()


def word_vector(runtime: Runtime, word: str) -> torch.Tensor:
    """Float32 embedding ``(dim,)`` of ``word``: the mean of its tokens' rows."""
    loaded = runtime.weights("embeddings")
    return runtime.call(_vector, loaded, lookup(runtime, word)["ids"])


def neighbors(runtime: Runtime, word: str, k: int = 10) -> list[dict]:
    """The ``k`` tokens closest to ``word`` by cosine: [{"token", "similarity"}], best first."""
    if isinstance(k, bool) or not isinstance(k, (int, float)) or k != int(k) \
            or not 1 <= k <= MAX_K:
        raise InputError(key="err_neighbor_count", high=MAX_K, value=show_value(k))
    loaded = runtime.weights("embeddings")
    info = _lookup(loaded.tokenizer, word, runtime.config.max_input_chars)
    return runtime.call(_neighbors, loaded, info, int(k))


def _neighbors(loaded: LoadedModel, info: dict, k: int) -> list[dict]:
    inv_norms, skip = _index(loaded)
    weight = _matrix(loaded)
    query = _vector(loaded, info["ids"])
    scores = (weight @ query.to(weight.device, weight.dtype)).float().cpu()  # (vocab,)
    sims = scores * inv_norms / query.norm().clamp_min(1e-12)
    sims = sims.masked_fill(skip, float("-inf"))
    sims[info["ids"]] = float("-inf")  # the word's own tokens are trivially closest
    out: list[dict] = []
    fetch = k * 2 + 20  # room for byte fragments and blank tokens filtered below
    for i in torch.topk(sims, min(fetch, sims.numel())).indices.tolist():
        if not torch.isfinite(sims[i]):
            break
        text, display = token_text(loaded.tokenizer, i)
        if not text.strip() or "\ufffd" in text:
            continue
        out.append({"token": text, "display": display, "id": int(i),
                    "similarity": float(sims[i].clamp(-1.0, 1.0))})
        if len(out) == k:
            break
    return out


def pca_2d(vectors: np.ndarray | torch.Tensor) -> np.ndarray:
    """Project rows ``(n, dim)`` onto their first two principal components: ``(n, 2)``."""
    x = torch.as_tensor(np.asarray(vectors), dtype=torch.float64)
    x = x - x.mean(dim=0, keepdim=True)
    u, s, vh = torch.linalg.svd(x, full_matrices=False)
    coords = u[:, :2] * s[:2]  # == x @ vh[:2].T
    # SVD signs are arbitrary; fix them (largest |loading| positive) so the plot is stable.
    flip = torch.sign(u[torch.argmax(u[:, :2].abs(), dim=0), torch.arange(coords.shape[1])])
    coords = coords * torch.where(flip == 0, torch.ones_like(flip), flip)
    if coords.shape[1] < 2:  # a single component (two words): put everyone on y = 0
        coords = torch.cat([coords, torch.zeros(coords.shape[0], 1, dtype=coords.dtype)], 1)
    return coords.numpy()


def parse_words(words: str | list[str], max_chars: int, what: str = "list of words"
                ) -> list[str]:
    """Words from a list or a comma-separated string (at most ``max_chars`` in all), blanks
    and repeats dropped."""
    return check_words(words, what, max_chars, "what_words")


def project_2d(runtime: Runtime, words: str | list[str]) -> list[dict]:
    """A 2-D map of the words' embeddings by PCA: [{"word", "x", "y", "tokens" (raw)}]."""
    cap = runtime.config.max_input_chars
    items = parse_words(words, cap)
    if not 2 <= len(items) <= MAX_WORDS:
        raise InputError(key="err_map_words", high=MAX_WORDS, count=len(items))
    loaded = runtime.weights("embeddings")
    infos = [_lookup(loaded.tokenizer, w, cap) for w in items]
    coords = runtime.call(_pca_of_words, loaded, infos)
    return [{"word": info["word"], "x": float(x), "y": float(y), "tokens": info["tokens"]}
            for info, (x, y) in zip(infos, coords, strict=True)]


def _pca_of_words(loaded: LoadedModel, infos: list[dict]) -> np.ndarray:
    return pca_2d(torch.stack([_vector(loaded, info["ids"]) for info in infos]))  # (n, 2)
