"""The in-process backend: lmdemo's own batching engine over the local weights."""

from __future__ import annotations

import torch

from ..engine import Engine, Request
from ..engine.scheduler import MAX_PER_SESSION
from ..models.forward import next_token_logits
from ..models.loader import LoadedModel
from ..params import SamplingParams
from .base import Capabilities


def label_token_ids(tokenizer: object, labels: tuple[str, ...]) -> list[int]:
    """First token of " label" for each label word (the word follows a colon and a space)."""
    ids = []
    for label in labels:
        pieces = tokenizer(" " + label, add_special_tokens=False)["input_ids"]  # type: ignore
        ids.append(int(pieces[0]))
    if len(set(ids)) != len(ids):
        raise ValueError(f"Label words {labels} share their first token on this tokenizer.")
    return ids


class LocalBackend:
    """Every feature: batched decoding, per-token probabilities and full next-token logits."""

    kind = "local"
    capabilities = Capabilities(logprobs=True, token_probs=True)

    def __init__(self, loaded: LoadedModel, max_batch: int = 16, max_queue: int = 64,
                 max_per_session: int = MAX_PER_SESSION):
        self.loaded = loaded
        self.model_name = loaded.name
        self.engine = Engine(loaded, max_batch, max_queue, max_per_session)

    def submit(self, prompt_ids: list[int], prompt: str, params: SamplingParams,
               exact_odds: bool = False) -> Request:
        """Queue the ids on the engine for the session the caller acts for (see
        lmdemo.sessions); raises BusyError when its queue is full."""
        return self.engine.submit(prompt_ids, params, exact_odds=exact_odds)

    def label_logprobs(self, prompt_ids: list[int], prompt: str,
                       labels: tuple[str, ...]) -> list[float]:
        """Exact log-probabilities of each label's first token, from one forward pass."""
        label_ids = label_token_ids(self.loaded.tokenizer, labels)
        logits = self.engine.call(next_token_logits, self.loaded, prompt_ids)
        logprobs = torch.log_softmax(logits, dim=-1)
        return [float(logprobs[i]) for i in label_ids]

    def next_token_top(self, prompt_ids: list[int], prompt: str, n: int
                       ) -> list[tuple[str, float]]:
        """The ``n`` likeliest next tokens with their exact log-probabilities."""
        logits = self.engine.call(next_token_logits, self.loaded, prompt_ids)
        top = torch.log_softmax(logits, dim=-1).topk(n)
        decode = self.loaded.tokenizer.decode  # type: ignore[attr-defined]
        return [(decode([int(i)]), float(lp)) for lp, i in zip(top.values, top.indices,
                                                                 strict=True)]

    def call(self, fn, /, *args, **kwargs):
        """Run torch work on the engine's worker, between decoding steps."""
        return self.engine.call(fn, *args, **kwargs)

    def stats(self) -> dict[str, int]:
        """The engine's waiting and running counts."""
        return self.engine.stats()

    def close(self) -> None:
        """Stop the engine's worker."""
        self.engine.close()
