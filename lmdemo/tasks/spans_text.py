"""The span scorer's candidates, from the text alone: words, sentences, and the runs of words
the model will score (``tasks.spans``). Plain text in, character ranges out; no model.

Every span of up to ``Settings.max_words`` words inside one sentence is a candidate. Only the
``Settings.max_sentences`` sentences that hold most of the question's content words give
candidates: a long text's answer sits in a sentence that shares the question's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import span_rules
from .spans_scoring import Settings

# A word: a run of letters, digits and inner joiners ("1,500", "o'clock", "U.S"), or one CJK
# character (Chinese has no spaces, so each character may start or end a span).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
# what a word may carry at its edges that an answer does not ("Paris," -> "Paris")
_EDGE = "\"'“”‘’()[]{}<>,.;:!?…。，、；：！？「」（）"
# Chinese chains clauses with "，" where English would end sentences; an answer rarely spans one
_SENTENCE_END = re.compile(r"[.!?。！？;；，]['\"”’)\]]*$")


@dataclass(frozen=True)
class Word:
    """A word of the context: its character range, edge punctuation excluded."""

    start: int
    end: int
    ends_sentence: bool  # no span runs past this word


@dataclass(frozen=True)
class Run:
    """The longest span from one start word, where each shorter span ends, its sentence."""

    text: str
    ends: list[int]
    sentence: int


@dataclass(frozen=True)
class Candidates:
    """The runs worth scoring, and how much of the question each sentence holds."""

    runs: list[Run]
    near: list[float]  # per sentence: the share of the question's content words it holds


def words(context: str) -> list[Word]:
    """The context's words in order, with sentence ends marked."""
    found: list[Word] = []
    for match in _WORD.finditer(context):
        raw = match.group(0)
        start = match.start() + len(raw) - len(raw.lstrip(_EDGE))
        end = match.end() - (len(raw) - len(raw.rstrip(_EDGE)))
        ends = bool(_SENTENCE_END.search(raw)) and not re.fullmatch(r"\w\.", raw.rstrip(
            "'\"”’)]"))  # "J." in "J. Smith" is an initial, not a sentence end
        if start < end:
            found.append(Word(start, end, ends))
        elif found and ends:  # a lone "." or "。" ends the sentence of the word before it
            found[-1] = Word(found[-1].start, found[-1].end, True)
    return found


def sentences(context: str) -> list[tuple[int, int]]:
    """Character ranges of the context's sentences (as ``words`` marks their ends)."""
    out: list[tuple[int, int]] = []
    first = None
    for word in words(context):
        first = word.start if first is None else first
        if word.ends_sentence:
            out.append((first, word.end))
            first = None
    if first is not None:
        out.append((first, len(context)))
    return out


def sentence_coverage(context: str, question: span_rules.Question) -> list[float]:
    """Per sentence: the share of the question's content words it holds."""
    return [span_rules.coverage(question, context[a:b]) for a, b in sentences(context)]


def nearest_sentences(near: list[float], keep: int) -> set[int]:
    """The ``keep`` sentences that hold most of the question's content words (ties: first)."""
    return set(sorted(range(len(near)), key=lambda n: -near[n])[:keep])


def runs(context: str, max_words: int, keep: set[int] | None = None) -> list[Run]:
    """Per start word (in the sentences kept): the longest span from it, and where each
    shorter span ends in it."""
    found = words(context)
    out = []
    sentence = 0
    for first in range(len(found)):
        ends = []
        for last in range(first, min(first + max_words, len(found))):
            ends.append(found[last].end - found[first].start)
            if found[last].ends_sentence:
                break
        if keep is None or sentence in keep:
            start = found[first].start
            out.append(Run(context[start:start + ends[-1]], ends, sentence))
        sentence += found[first].ends_sentence
    return out


def candidates(context: str, question: span_rules.Question, settings: Settings) -> Candidates:
    """The runs of the sentences nearest the question, with every sentence's coverage."""
    near = sentence_coverage(context, question)
    keep = nearest_sentences(near, settings.max_sentences)
    return Candidates(runs(context, settings.max_words, keep), near)
