"""Extractive answers: score spans of the text as the model's answer, and pick one or none.

After a few-shot prompt that ends where the answer begins ("Answer:"), every span of the
context of up to ``MAX_WORDS`` words inside one sentence is a candidate. The model scores a
candidate by the log-probability of its tokens followed by an end of line, divided by its
token count plus one to the power ``LENGTH_ALPHA`` (length normalisation; 0 keeps the sum).
One more candidate is the no-answer phrase the prompt's unanswerable example uses; when it
scores within ``NO_ANSWER_MARGIN`` of the best span, the answer is "" (SQuAD 2.0's convention).

Cost: one forward over the prompt, kept as a cache; the likeliest ``MAX_STARTS`` start words
(by their first token) then go through one batched forward over that cache, each row
teacher-forcing the longest span from its start, so every shorter span from the same start
is scored from the same row.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from ..models.loader import LoadedModel

MAX_WORDS = 8  # a short answer; longer spans are rarely what a question asks for
MAX_STARTS = 8  # rows of the batched forward: start words kept after the first-token pass
# Tuned on the dev rows of tests/data/qa-grounded-dev.tsv only (scripts/tune_qa.py): the pair
# with the best lower of answerable exact match and unanswerable recall. Summed log-probability
# (alpha 0) beat per-token means, which favour long spans whose later words are easy to copy;
# the no-answer phrase, seen once in the prompt, needs a head start of several nats.
LENGTH_ALPHA = 0.0
NO_ANSWER_MARGIN = 6.0

# A word: a run of letters, digits and inner joiners ("1,500", "o'clock", "U.S"), or one CJK
# character (Chinese has no spaces, so each character may start or end a span).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
# what a word may carry at its edges that an answer does not ("Paris," -> "Paris")
_EDGE = "\"'“”‘’()[]{}<>,.;:!?…。，、；：！？「」（）"
_SENTENCE_END = re.compile(r"[.!?。！？;；]['\"”’)\]]*$")


@dataclass(frozen=True)
class Word:
    """A word of the context: its character range, edge punctuation excluded."""

    start: int
    end: int
    ends_sentence: bool  # no span runs past this word


@dataclass(frozen=True)
class Scored:
    """One candidate answer and its length-normalised score (higher is better)."""

    text: str
    score: float
    logprob: float  # summed over its tokens and the end of line
    tokens: int


@dataclass(frozen=True)
class SpanChoice:
    """The chosen answer ("" for none), the best span and the no-answer option's score."""

    answer: str
    best: Scored | None
    no_answer: Scored
    ranked: tuple[Scored, ...]  # every span scored, best first


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


def spans(context: str, max_words: int = MAX_WORDS) -> list[tuple[int, int]]:
    """Character ranges of every candidate span: 1..max_words words inside one sentence."""
    ws = words(context)
    out = []
    for i in range(len(ws)):
        for j in range(i, min(i + max_words, len(ws))):
            out.append((ws[i].start, ws[j].end))
            if ws[j].ends_sentence:
                break
    return out


def _runs(context: str, max_words: int) -> list[tuple[str, list[int]]]:
    """Per start word: the longest span from it, and where each shorter span ends in it."""
    ws = words(context)
    runs = []
    for i in range(len(ws)):
        ends = []
        for j in range(i, min(i + max_words, len(ws))):
            ends.append(ws[j].end - ws[i].start)
            if ws[j].ends_sentence:
                break
        runs.append((context[ws[i].start:ws[i].start + ends[-1]], ends))
    return runs


def _encode(tokenizer: object, texts: list[str]) -> tuple[list[list[int]], list[list[int]]]:
    """Token ids and each token's end offset for " text" (the answer follows "Answer:")."""
    enc = tokenizer([" " + t for t in texts], add_special_tokens=False,  # type: ignore
                    return_offsets_mapping=True)
    return ([list(ids) for ids in enc["input_ids"]],
            [[end for _, end in offsets] for offsets in enc["offset_mapping"]])


def _newline_ids(tokenizer: object) -> list[int]:
    """Tokens that end an answer line: "\\n" and, where the vocabulary has it, "\\n\\n"."""
    ids = {tokenizer(t, add_special_tokens=False)["input_ids"][0]  # type: ignore
           for t in ("\n", "\n\n")}
    return sorted(ids)


class PrefixCache:
    """The cache of the last few-shot prefix seen: each question then runs only its own part.

    A template's worked examples come before the text, so every question asked with the same
    template starts with the same tokens (about 200 of 275 for the default prompt).
    """

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._cache: object = None
        self._lock = threading.Lock()

    @torch.inference_mode()
    def prefill(self, loaded: LoadedModel, prompt_ids: list[int], shared: int
                ) -> tuple[torch.Tensor, object]:
        """Log-probabilities after the prompt ``(vocab,)`` and its cache; ``prompt_ids[:shared]``
        may come from (and go to) the stored prefix."""
        from transformers import DynamicCache

        model = loaded.model
        assert model is not None
        with self._lock:
            hit = shared > 0 and self._ids == prompt_ids[:shared] and shared < len(prompt_ids)
            if not hit and 0 < shared < len(prompt_ids):
                cache = DynamicCache(config=model.config)
                model(input_ids=_tensor(loaded, prompt_ids[:shared]), cache=cache,
                      use_cache=True, logits_to_keep=1)
                self._ids, self._cache, hit = prompt_ids[:shared], cache, True
            cache = copy.deepcopy(self._cache) if hit else DynamicCache(config=model.config)
        rest = prompt_ids[shared:] if hit else prompt_ids
        logits = model(input_ids=_tensor(loaded, rest), cache=cache, use_cache=True,
                       logits_to_keep=1).logits
        return torch.log_softmax(logits[0, -1].float(), dim=-1).cpu(), cache


def _tensor(loaded: LoadedModel, ids: list[int]) -> torch.Tensor:
    return torch.tensor([ids], dtype=torch.long, device=loaded.device)


@torch.inference_mode()
def _rows(loaded: LoadedModel, cache: object, rows: list[list[int]]) -> torch.Tensor:
    """Log-probabilities after each token of each row ``(R, T, vocab)``, over the prompt's cache.

    The cache is repeated once per row, and the rows are right-padded: a causal model never
    lets a real token see the padding after it, so no mask is needed.
    """
    model = loaded.model
    assert model is not None
    width = max(len(r) for r in rows)
    batch = torch.zeros(len(rows), width, dtype=torch.long)
    for n, row in enumerate(rows):
        batch[n, :len(row)] = torch.tensor(row)
    cache.batch_repeat_interleave(len(rows))  # type: ignore[attr-defined]
    logits = model(input_ids=batch.to(loaded.device), cache=cache, use_cache=True).logits
    return torch.log_softmax(logits.float(), dim=-1).cpu()


def choose(loaded: LoadedModel, prompt_ids: list[int], context: str, no_answer: str,
           prefix: PrefixCache | None = None, shared: int = 0,
           alpha: float = LENGTH_ALPHA, margin: float = NO_ANSWER_MARGIN,
           max_words: int = MAX_WORDS, max_starts: int = MAX_STARTS) -> SpanChoice:
    """Score the context's spans and the no-answer phrase after ``prompt_ids``; pick one.

    ``prompt_ids[:shared]`` (the worked examples) may be read from and kept in ``prefix``.

    Call it on the model's compute thread (``Runtime.call``).
    """
    tokenizer = loaded.tokenizer
    runs = _runs(context, max_words)
    run_ids, run_ends = _encode(tokenizer, [text for text, _ in runs]) if runs else ([], [])
    (na_ids,), _ = _encode(tokenizer, [no_answer])
    newline = _newline_ids(tokenizer)
    # the prompt alone ranks the start words by their first token
    first, cache = (prefix or PrefixCache()).prefill(loaded, prompt_ids, shared)
    order = sorted(range(len(runs)), key=lambda i: -float(first[run_ids[i][0]]))
    kept = [i for i in order if run_ids[i]][:max_starts]
    rows = [run_ids[i] for i in kept] + [na_ids]
    after = _rows(loaded, cache, rows)  # (R, T, vocab)

    def score(row: int, ids: list[int], upto: int) -> tuple[float, int]:
        """Summed log-probability of ids[:upto] then an end of line, and the token count."""
        total = float(first[ids[0]])
        for t in range(1, upto):
            total += float(after[row, t - 1, ids[t]])
        total += float(torch.logsumexp(after[row, upto - 1, newline], dim=0))
        return total, upto

    def scored(text: str, total: float, n: int) -> Scored:
        return Scored(text, total / (n + 1) ** alpha, total, n)

    candidates: list[Scored] = []
    for row, i in enumerate(kept):
        text, ends = runs[i]
        token_ends = run_ends[i]
        for end in ends:
            # the span ends at a token boundary (" " + text: offsets are one further)
            if end + 1 in token_ends:
                upto = token_ends.index(end + 1) + 1
                total, n = score(row, run_ids[i], upto)
                candidates.append(scored(text[:end], total, n))
    na_total, na_n = score(len(kept), na_ids, len(na_ids))
    na = scored(no_answer, na_total, na_n)
    ranked = tuple(sorted(candidates, key=lambda c: -c.score))
    best = ranked[0] if ranked else None
    answer = "" if best is None or na.score + margin >= best.score else best.text
    return SpanChoice(answer, best, na, ranked)


def is_no_answer(text: str, no_answer: str) -> bool:
    """True when a generated answer is the no-answer phrase (any case, a full stop allowed)."""
    return text.strip().rstrip(".").strip().lower() == no_answer.lower()

