"""Sentiment without generation: compare the probabilities of label words after a prompt.

The model reads a few labelled examples, then the text, then "Sentiment:". We look at the
next-token probabilities of " positive" and " negative" only. Small models favour one label
whatever the text, so we calibrate (Zhao et al., 2021): the same prompt with content-free
inputs ("N/A", "", "[MASK]") measures that bias, and we divide it out.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import torch

from ..engine.engine import next_token_logits
from ..models.loader import LoadedModel
from .prompts import render

LABELS = ("positive", "negative")
CONTENT_FREE = ("N/A", "", "[MASK]")

# Four balanced examples, written for lmdemo in SST's lower-cased, tokenised style (" , ",
# "n't"); none is taken from an evaluation set. Tuned with `python -m lmdemo eval sst2` on the
# first 200 SST-2 dev rows: 2 examples 79.5%, these 4 89.0%, 6 or 8 examples no better.
EXAMPLES = (
    ("a sweet , clever and beautifully acted film .", "positive"),
    ("dull , clumsy and far too long .", "negative"),
    ("the actors seem to be having fun , and so are we .", "positive"),
    ("a tired retread that never finds its own voice .", "negative"),
)
TEMPLATE = "".join(f"Review: {text}\nSentiment: {label}\n\n" for text, label in EXAMPLES) + (
    "Review: {text}\nSentiment:")


@dataclass(frozen=True)
class SentimentResult:
    """Label probabilities before and after calibration, and the prompt sent."""

    prompt: str
    raw: dict[str, float]
    calibrated: dict[str, float]

    @property
    def label(self) -> str:
        """The winning label after calibration."""
        return max(self.calibrated, key=self.calibrated.__getitem__)


def label_token_ids(loaded: LoadedModel, labels: tuple[str, ...] = LABELS) -> list[int]:
    """First token of " label" for each label word (the word follows "Sentiment:")."""
    ids = []
    for label in labels:
        pieces = loaded.tokenizer(" " + label, add_special_tokens=False)["input_ids"]  # type: ignore
        ids.append(int(pieces[0]))
    if len(set(ids)) != len(ids):
        raise ValueError(f"Label words {labels} share their first token on this tokenizer.")
    return ids


class SentimentScorer:
    """Scores label words for one model; caches the calibration of each template."""

    def __init__(self, loaded: LoadedModel, encode):
        self.loaded = loaded
        self._encode = encode
        self._label_ids = label_token_ids(loaded)
        self._calibration: dict[str, torch.Tensor] = {}
        self._lock = threading.Lock()

    def label_probs(self, prompt: str) -> torch.Tensor:
        """Probabilities of the label words, renormalised over the labels only, ``(L,)``."""
        logits = next_token_logits(self.loaded, self._encode(prompt))
        return torch.softmax(logits[self._label_ids], dim=-1)

    def calibration(self, template: str) -> torch.Tensor:
        """Mean label probabilities for content-free inputs under ``template``."""
        with self._lock:
            if template not in self._calibration:
                probs = [self.label_probs(render(template, ("text",), text=cf))
                         for cf in CONTENT_FREE]
                self._calibration[template] = torch.stack(probs).mean(dim=0)
            return self._calibration[template]

    def score(self, prompt: str, template: str = TEMPLATE, calibrate: bool = True
              ) -> SentimentResult:
        """Classify the text in a rendered ``prompt`` made from ``template``."""
        raw = self.label_probs(prompt)
        adjusted = raw
        if calibrate:
            adjusted = raw / self.calibration(template)
            adjusted = adjusted / adjusted.sum()
        as_dict = lambda t: {lab: float(p) for lab, p in zip(LABELS, t, strict=True)}  # noqa: E731
        return SentimentResult(prompt, as_dict(raw), as_dict(adjusted))
