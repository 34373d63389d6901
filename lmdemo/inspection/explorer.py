"""The next-token explorer: step a text one chosen (or sampled) token at a time.

A step is {"prompt": text, "ids": the exact token ids the logits belong to, "logits":
(vocab,)}. Sliders re-shape those logits (``next_token.distribution``) without running the
model again; adding a token appends its id (not its text, which may be one byte of a
character) and runs one more forward pass. It reads all the logits, so it needs local weights.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from ..engine.sampling import choose, next_token_distribution
from ..params import make_params
from .next_token import check_prompt, logits_after_ids

if TYPE_CHECKING:
    from ..runtime import Runtime


def step(runtime: Runtime, prompt: str, ids: list[int] | None = None) -> dict:
    """Run the model once on ``ids`` (or on ``prompt`` tokenized): what the sliders re-shape."""
    if ids is None:
        ids = runtime.encode(check_prompt(runtime, prompt))
    return {"prompt": prompt, "ids": ids, "logits": logits_after_ids(runtime, ids)}


def add_token(runtime: Runtime, state: dict, token_id: int) -> dict:
    """Append one token id and step on; the prompt text is the decoded ids."""
    ids = [*state["ids"], int(token_id)]
    # A lone byte of a character decodes as U+FFFD until the rest of it follows.
    prompt = runtime.tokenizer.decode(ids, skip_special_tokens=True)  # type: ignore[attr-defined]
    return step(runtime, prompt, ids)


def sample_id(state: dict, temperature: float, top_k: float, top_p: float, seed: float) -> int:
    """Draw one token id the way the engine would with these settings.

    The draw is seeded by ``seed`` and the number of tokens so far, so sampling step by step
    from the same prompt with the same seed walks the same path. Vocabulary-sized torch
    work: call it through ``sample_token`` (the compute thread) from a request thread.
    """
    params = make_params(temperature=temperature, top_k=top_k, top_p=top_p, seed=seed)
    probs = next_token_distribution(state["logits"], params)  # (vocab,)
    generator = torch.Generator().manual_seed(params.seed + len(state["ids"]))
    return choose(probs, None if params.greedy else generator)


def sample_token(runtime: Runtime, state: dict, temperature: float, top_k: float,
                 top_p: float, seed: float) -> int:
    """``sample_id`` on the runtime's compute thread."""
    return runtime.call(sample_id, state, temperature, top_k, top_p, seed)


def sample_step(runtime: Runtime, state: dict, temperature: float, top_k: float,
                top_p: float, seed: float) -> dict:
    """Draw one token with these settings, append it and step on."""
    return add_token(runtime, state, sample_token(runtime, state, temperature, top_k, top_p,
                                                  seed))
