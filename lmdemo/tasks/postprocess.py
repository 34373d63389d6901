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


# A word, or one CJK character (Chinese and Japanese text has no spaces between words).
_LOOP_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]|[^\W\u3040-\u30ff\u3400-\u9fff]+")
LOOP_NGRAM, LOOP_TIMES = 3, 3  # a loop: some 3 consecutive words occur 3 or more times


def loop_start(text: str, n: int = LOOP_NGRAM, times: int = LOOP_TIMES) -> int | None:
    """Where a looping text starts to repeat itself, as a character offset; None if no loop.

    A text loops when some ``n`` consecutive words (case-folded) occur ``times`` times or
    more; the loop starts at the second occurrence of the first n-gram to get there, so the
    text before it holds the looped words once ("to be to be to be" -> "to be ").
    """
    tokens = [(m.group(0).casefold(), m.start()) for m in _LOOP_TOKEN.finditer(text)]
    seen: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(tokens) - n + 1):
        gram = tuple(word for word, _ in tokens[i:i + n])
        starts = seen.setdefault(gram, [])
        starts.append(tokens[i][1])
        if len(starts) >= times:
            return starts[1]
    return None


def trim_loop(text: str) -> str:
    """The text up to where it starts looping (the whole text when it does not loop)."""
    start = loop_start(text)
    return text if start is None else text[:start].rstrip().rstrip("-–—,;:").rstrip()
