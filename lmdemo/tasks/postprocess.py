"""Clean raw model continuations into task answers."""

from __future__ import annotations

import re

# Western sentence ends need a space or the end after them ("3.5" is not an end);
# CJK full stops end a sentence wherever they stand.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)|[。！？][”’」)]*")


def first_line(text: str) -> str:
    """The text up to the first line break, stripped."""
    return text.strip().split("\n", 1)[0].strip()


def whole_sentences(text: str) -> str:
    """Drop a trailing unfinished sentence; keep the text if no sentence ends in it."""
    text = " ".join(text.strip().split())
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    return text[: ends[-1]].strip() if ends else text


def short_answer(text: str) -> str:
    """A QA answer: its first line, without a trailing full stop."""
    line = first_line(text)
    return line[:-1].strip() if line.endswith(".") and line.count(".") == 1 else line
