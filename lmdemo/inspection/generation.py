"""Generation with probabilities: one step per generated token, and branching from any step.

A generation is {"prompt", "prompt_ids", "steps"}: one step per generated token with its id,
text, probability and the top alternatives the backend reported. A branch re-submits the
prompt ids + the tokens before the chosen step + an alternative, so the model continues from
exactly that point with the same settings. It needs a backend that reports per-token
probabilities while it generates (``Capabilities.token_probs``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import InputError, UnavailableError
from ..inputs import check_chars
from ..params import SamplingParams
from .tokens import token_text

if TYPE_CHECKING:
    from ..runtime import Runtime

FEATURE = "generation view"  # how UnavailableError names this view


def require_token_probs(runtime: Runtime) -> None:
    """Raise UnavailableError when the backend reports no per-token probabilities."""
    if not runtime.backend.capabilities.token_probs:
        raise UnavailableError(FEATURE, key="err_no_token_probs", backend=runtime.describe())


def token_step(tokenizer: object, token_id: int, probability: float,
               alternatives: Sequence[tuple[int, float]]) -> dict:
    """One step: {"id", "text", "display", "probability", "alternatives": [[id, p], ...]}."""
    # Each token's own text rather than the engine's streamed delta: the delta may be held
    # back (a split character, a possible stop sequence) and land on a later token.
    text, display = token_text(tokenizer, token_id)
    if "\ufffd" in text:
        text = display  # one byte of a split character, shown as <0xE4>
    return {"id": token_id, "text": text, "display": display, "probability": probability,
            "alternatives": [list(a) for a in alternatives]}


def start(runtime: Runtime, prompt: str) -> dict:
    """A new generation with no steps yet; refuses an empty prompt or a backend without odds."""
    if prompt is None or isinstance(prompt, str) and not prompt.strip():
        raise InputError(key="err_view_prompt_empty")
    prompt = check_chars(prompt, "prompt", runtime.config.max_input_chars, "prompt")
    require_token_probs(runtime)
    return {"prompt": prompt, "prompt_ids": runtime.encode(prompt), "steps": []}


def stream_steps(runtime: Runtime, prompt_ids: list[int], prompt: str, params: SamplingParams,
                 steps: list[dict]) -> Iterator[list[dict]]:
    """Submit to the backend and yield the growing list of steps after each token."""
    require_token_probs(runtime)
    runtime.check_params(params)  # the server's own cap (lower when hosted)
    request = runtime.backend.submit(prompt_ids, prompt, params, exact_odds=True)
    for event in request:
        if event.token_id < 0:  # the engine's final flush of held-back text, not a token
            continue
        steps = [*steps, token_step(runtime.tokenizer, event.token_id, event.probability,
                                    event.alternatives)]
        yield steps


def alternatives(runtime: Runtime, state: dict, index: int) -> dict:
    """The chosen step and what else the model considered there, as plain data.

    {"index", "id", "display", "probability", "choices": [{"id", "display", "probability"}],
    "certain"}: ``certain`` when no token but the chosen one had any probability (greedy
    decoding, or a token at 100 %), so there is nothing to branch to.
    """
    step = state["steps"][index]
    choices = [{"id": int(token_id), "display": token_text(runtime.tokenizer, token_id)[1],
                "probability": float(prob)} for token_id, prob in step["alternatives"]]
    others = [c for c in choices if c["id"] != step["id"] and c["probability"] > 0]
    return {"index": index, "id": step["id"], "display": step["display"],
            "probability": step["probability"], "choices": choices, "certain": not others}


def branch_ids(state: dict, index: int, token_id: int) -> list[int]:
    """Prompt ids + generated ids before ``index`` + the alternative token."""
    before = [s["id"] for s in state["steps"][:index] if s["id"] >= 0]
    return [*state["prompt_ids"], *before, int(token_id)]


def branch(runtime: Runtime, state: dict, token_id: int, params: SamplingParams
           ) -> Iterator[dict]:
    """Swap the chosen step (``state["chosen"]``) for ``token_id`` and generate on from it.

    Yields the new state at once (the swapped token), then after each new token; the whole
    branch stays within ``params.max_new_tokens``.
    """
    index = state["chosen"]
    old = state["steps"][index]
    prob = {int(i): p for i, p in old["alternatives"]}.get(int(token_id), 0.0)
    new = token_step(runtime.tokenizer, int(token_id), prob, old["alternatives"])
    steps = [*state["steps"][:index], new]
    state = {**state, "steps": steps, "chosen": index}
    yield state
    left = params.max_new_tokens - len(steps)
    if left > 0:
        ids = branch_ids(state, index, token_id)
        prompt = runtime.tokenizer.decode(ids, skip_special_tokens=True)  # type: ignore[attr-defined]
        for grown in stream_steps(runtime, ids, prompt, replace(params, max_new_tokens=left),
                                  steps):
            state = {**state, "steps": grown}
            yield state
