"""The contract every backend keeps, and what each one can do beyond streaming text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..engine.requests import Request
from ..params import SamplingParams


@dataclass(frozen=True)
class Capabilities:
    """Features that differ between backends; the UI explains the ones that are off."""

    # next-token log-probabilities (sentiment scores, the next-token view)
    logprobs: bool
    # per-token probabilities and alternatives while generating (the Generation view)
    token_probs: bool
    # the server honours top_k (the OpenAI API has no such field; vLLM and llama.cpp add it)
    top_k: bool = True


class Backend(Protocol):
    """Turns a prompt into a stream of TokenEvents."""

    kind: str  # "local" | "openai"
    model_name: str  # the model the backend serves, as it names it
    capabilities: Capabilities

    def submit(self, prompt_ids: list[int], prompt: str, params: SamplingParams,
               exact_odds: bool = False) -> Request:
        """Start a generation; ``prompt_ids`` are ``prompt`` as the local tokenizer reads it.
        ``exact_odds``: its per-token probabilities will be shown, so they must be exact
        (the built-in engine then skips its cheap output head; servers report their own).

        It runs for the session the caller acts for (``lmdemo.sessions.current_owner``), and
        the ``Request`` joins the caller's event scope, so a stopped event cancels it.
        """
        ...

    def label_logprobs(self, prompt_ids: list[int], prompt: str,
                       labels: tuple[str, ...]) -> list[float]:
        """Log-probability of each label word as the next token (raises when unsupported)."""
        ...

    def next_token_top(self, prompt_ids: list[int], prompt: str, n: int
                       ) -> list[tuple[str, float]]:
        """The ``n`` likeliest next tokens as (token text, log-probability), best first."""
        ...

    def stats(self) -> dict[str, int]:
        """Numbers of waiting and running requests."""
        ...

    def close(self) -> None:
        """Release threads and connections."""
        ...
