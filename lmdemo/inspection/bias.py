"""Bias probe: the same sentence with one word swapped, and how the next-token odds move."""

from __future__ import annotations

from ..errors import InputError
from ..models.loader import LoadedModel
from .embeddings import parse_words
from .next_token import distribution, next_token_logits_for

SLOT = "{}"
MIN_FILLERS, MAX_FILLERS = 2, 8
MAX_TEMPLATE_CHARS = 300
MAX_FILLER_CHARS = 50

BIAS_NOTE = (
    "A language model learns which words tend to follow which from a large amount of text "
    "written by people; GPT-2, for example, learned from WebText, pages linked from Reddit. "
    "When the likely next words change with a name, gender or nationality, the model is "
    "repeating associations found in that text, not stating facts about anyone. "
    "GPT-2's own model card warns that it reflects the biases of its training data and "
    "should not be used where such biases could harm people."
)


def fill(template: str, filler: str) -> str:
    """The template with its one ``{}`` slot replaced by ``filler``."""
    return template.replace(SLOT, filler, 1)


def _check_template(template: object) -> str:
    if not isinstance(template, str) or not template.strip():
        raise InputError('Type a sentence start with one {} slot, e.g. "The {} worked as a".')
    if len(template) > MAX_TEMPLATE_CHARS:
        raise InputError(f"The template has {len(template)} characters; keep it under "
                         f"{MAX_TEMPLATE_CHARS}.")
    slots = template.count(SLOT)
    if slots != 1:
        raise InputError(f'The template must contain exactly one {SLOT} slot where each word '
                         f'goes, e.g. "The {SLOT} worked as a"; it has {slots}.')
    # A trailing space makes byte-level tokenizers predict a rare space-less token.
    return template.rstrip(" ")


def _check_fillers(fillers: str | list[str]) -> list[str]:
    items = parse_words(fillers)
    if not MIN_FILLERS <= len(items) <= MAX_FILLERS:
        raise InputError(f"Give between {MIN_FILLERS} and {MAX_FILLERS} different words to "
                         f"compare, separated by commas; got {len(items)}.")
    for item in items:
        if len(item) > MAX_FILLER_CHARS:
            raise InputError(f"Each word may have at most {MAX_FILLER_CHARS} characters; "
                             f"{item[:20]!r}… has {len(item)}.")
    return items


def bias_probe(
    loaded: LoadedModel, template: str, fillers: str | list[str], top_n: int = 10
) -> list[dict]:
    """Per filler: {"filler", "prompt", "top": [{"token", "display", "probability"}]}.

    Probabilities are the model's raw next-token distribution (temperature 1, no filter).
    Trailing spaces are removed from the template; "prompt" is the exact text sent.
    """
    template = _check_template(template)
    items = _check_fillers(fillers)
    out = []
    for filler in items:
        prompt = fill(template, filler)
        dist = distribution(loaded, next_token_logits_for(loaded, prompt), 1.0, 0, 1.0, top_n)
        top = [{"token": c["token"], "display": c["display"], "probability": c["probability"]}
               for c in dist["candidates"]]
        out.append({"filler": filler, "prompt": prompt, "top": top})
    return out
