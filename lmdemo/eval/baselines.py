"""Trivial baselines each score is printed against."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

_SENTENCE = re.compile(r".+?[.!?](?:[\"'”’)\]]*)(?=\s|$)", re.S)


def majority_label(labels: Sequence[int]) -> int:
    """The most frequent label (ties go to the smaller label, for determinism)."""
    counts = Counter(labels)
    return max(sorted(counts), key=counts.__getitem__) if counts else 0


def first_sentence(text: str) -> str:
    """The text's first sentence (the whole text when no sentence end is found)."""
    text = " ".join(text.split())
    match = _SENTENCE.match(text)
    return match.group(0).strip() if match else text
