"""Bias probe: the same sentence with one word swapped, and how the next-token odds move.

``bias_probe`` gives each sentence's next-token odds; ``sample_continuations`` lets the
backend write a few endings per sentence with the same seeds for every word, so a change in
the endings comes from the word, not from the dice. ``probe_stream`` does both, in order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..errors import InputError
from ..inputs import check_chars
from ..params import make_params
from .embeddings import parse_words
from .next_token import top_probabilities

if TYPE_CHECKING:
    from ..engine import Request
    from ..runtime import Runtime

SLOT = "{}"
MIN_FILLERS, MAX_FILLERS = 2, 8
MAX_TEMPLATE_CHARS = 300
MAX_FILLER_CHARS = 50
SAMPLES = 3  # continuations per word; sample j uses seed + j for every word
SAMPLE_TEMPERATURE = 0.8


# What each model's card says it learned from; the bias note names only what is known.
_ORGS = ("openai-community/", "distilbert/", "google/")
_TRAINING_DATA = {
    **dict.fromkeys(("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"), "webtext"),
    "distilgpt2": "openwebtext",
}


def training_data(model_name: str) -> str:
    """What is known of a model's training text: "webtext" (GPT-2), "openwebtext"
    (DistilGPT2), "gemma3" (Gemma 3: web, code and maths), or "other" (nothing known)."""
    name = model_name.strip().lower()
    for org in _ORGS:
        name = name.removeprefix(org)
    if name.startswith("gemma-3-") and "/" not in name:
        return "gemma3"
    return _TRAINING_DATA.get(name, "other")


def fill(template: str, filler: str) -> str:
    """The template with its one ``{}`` slot replaced by ``filler``."""
    return template.replace(SLOT, filler, 1)


def _check_template(template: object, max_chars: int) -> str:
    if template is None or isinstance(template, str) and not template.strip():
        raise InputError(key="err_bias_template_empty")
    template = check_chars(template, "template", max_chars, "what_template")
    if len(template) > MAX_TEMPLATE_CHARS:
        raise InputError(key="err_bias_template_long",
                         length=len(template), limit=MAX_TEMPLATE_CHARS)
    slots = template.count(SLOT)
    if slots != 1:
        raise InputError(key="err_bias_slots", slots=slots)
    # A trailing space makes byte-level tokenizers predict a rare space-less token.
    return template.rstrip(" ")


def _check_fillers(fillers: str | list[str], max_chars: int) -> list[str]:
    items = parse_words(fillers, max_chars)
    if not MIN_FILLERS <= len(items) <= MAX_FILLERS:
        raise InputError(key="err_bias_fillers", low=MIN_FILLERS, high=MAX_FILLERS,
                         count=len(items))
    for item in items:
        if len(item) > MAX_FILLER_CHARS:
            raise InputError(key="err_bias_filler_long",
                             limit=MAX_FILLER_CHARS, word=repr(item[:20]), length=len(item))
    return items


def bias_probe(
    runtime: Runtime, template: str, fillers: str | list[str], top_n: int = 10
) -> list[dict]:
    """Per filler: {"filler", "prompt", "top": [{"token", "display", "probability"}]}.

    Probabilities are the model's raw next-token distribution (temperature 1, no filter),
    from the local weights or, with a server, from the log-probabilities it returns.
    Trailing spaces are removed from the template; "prompt" is the exact text sent.
    """
    cap = runtime.config.max_input_chars
    template = _check_template(template, cap)
    items = _check_fillers(fillers, cap)
    out = []
    for filler in items:
        prompt = fill(template, filler)
        out.append({"filler": filler, "prompt": prompt,
                    "top": top_probabilities(runtime, prompt, top_n)})
    return out


def sample_continuations(runtime: Runtime, prompts: Sequence[str], seed: int,
                         max_new_tokens: int) -> list[list[str]]:
    """SAMPLES continuations per prompt from the backend; the same seeds for every prompt.

    All of them run side by side; if one fails, or the caller gives up, the rest are
    cancelled rather than left running for nobody.
    """
    requests: list[Request] = []
    try:
        for prompt in prompts:
            ids = runtime.encode(prompt)
            for j in range(SAMPLES):
                params = make_params(temperature=SAMPLE_TEMPERATURE, top_k=50, top_p=0.95,
                                     max_new_tokens=max_new_tokens, seed=seed + j,
                                     repetition_penalty=1.0, stop="\n")
                requests.append(runtime.backend.submit(ids, prompt, params))
        texts = [request.result().text for request in requests]
    finally:
        for request in requests:
            request.cancel()  # a no-op for the finished ones
    return [texts[i : i + SAMPLES] for i in range(0, len(texts), SAMPLES)]


def probe_stream(runtime: Runtime, template: str, fillers: str | list[str], seed: float,
                 max_new_tokens: float) -> Iterator[tuple[list[dict], list[list[str]] | None]]:
    """Yield (probe, None) at once, then (probe, continuations per filler) when sampled."""
    params = make_params(seed=seed, max_new_tokens=max_new_tokens)  # named range errors
    runtime.check_params(params)  # the server's own cap, times 24 requests
    probe = bias_probe(runtime, template, fillers)
    yield probe, None
    yield probe, sample_continuations(runtime, [item["prompt"] for item in probe],
                                      params.seed, params.max_new_tokens)
