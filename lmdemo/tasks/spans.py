"""Extractive answers: score spans of the text as the model's answer, and pick one or none.

After a few-shot prompt that ends where the answer begins ("Answer:"), every span of the
context of up to ``MAX_WORDS`` words inside one sentence is a candidate. The model scores a
candidate by the summed log-probability of its tokens followed by an end of line. Cheap rules
(``span_rules``) then move the score: a bonus as the span's sentence holds more of the
question's words, a bonus for the head noun of "which X", penalties for repeating the
question's words and (off by default) for a span of the wrong kind. The score can also be
calibrated: the same span's log-probability after a content-free question (``CONTENT_FREE``),
times ``PRIOR_WEIGHT``, is subtracted (contextual calibration); measured on dev it did not
help, so its weight is 0 and its forward is skipped.
One more candidate is the no-answer phrase the prompt's unanswerable example uses, calibrated
the same way; when the best span beats it by less than a margin, widened when the text lacks
the question's words, the answer is "" (SQuAD 2.0's convention). The answer task then
decides again with more signals (``tasks.abstain``); this margin is its fallback.

Cost: one forward over the prompt, kept as a cache; the likeliest ``MAX_STARTS`` start words
(by their first token), from the ``MAX_SENTENCES`` sentences sharing most words with the
question, then go through one batched forward over that cache, each row teacher-forcing the
longest span from its start, so every shorter span from the same start is scored from the
same row. A calibrated score costs the same again, for the content-free prompt.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import torch

from . import span_rules

if TYPE_CHECKING:
    from ..models.loader import LoadedModel
    from .abstain import Signals

MAX_WORDS = 8  # a short answer; longer spans are rarely what a question asks for
MAX_STARTS = 8  # rows of the batched forward; on dev, 10, 12 and 16 found no more answers
MAX_SENTENCES = 3  # a long text's answer sits in a sentence that shares the question's words
# The question whose answers give each span's prior: it asks for nothing in particular.
CONTENT_FREE = "What is mentioned?"
# Tuned on lmdemo/eval/data/qa-grounded-dev.tsv only (scripts/tune_qa.py): the point with the best
# lower of answerable exact match and unanswerable recall that stays good when the margin moves
# by a nat. The prior did not help: it favours long spans, whose prior is low, and the best
# span was right less often as its weight grew (dev: 0.90 at 0, 0.88 at 0.25, 0.81 at 0.5,
# 0.68 at 1), so it is off and its forward skipped. The kind rule cost one dev answer (0.88).
PRIOR_WEIGHT = 0.0
HEAD_BONUS = 2.0
KIND_PENALTY = 0.0
ECHO_PENALTY = 2.0
NO_ANSWER_MARGIN = 6.0
COVERAGE_WEIGHT = 4.0
NEAR_BONUS = 4.0

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
class Scored:
    """One candidate answer, its score (higher is better) and what the score was made of."""

    text: str
    score: float
    logprob: float  # summed over its tokens and the end of line
    tokens: int
    prior: float = 0.0  # the same after the content-free question (0 when not scored)
    row: int = 0  # its start word's rank by first-token probability
    sentence: int = 0  # the sentence of the context it comes from


@dataclass(frozen=True)
class SpanChoice:
    """The chosen answer ("" for none), the best span and the no-answer option's score."""

    answer: str
    best: Scored | None
    no_answer: Scored
    ranked: tuple[Scored, ...]  # every span scored, best first
    covered: float = 1.0  # share of the question's content words found in the text
    # set by the answer task's decision (``tasks.abstain``): each verified span with its
    # log p(yes) - log p(no), the signals read and the probability the best span is right
    verified: tuple[tuple[str, float], ...] = ()
    signals: Signals | None = None
    trust: float | None = None


@dataclass(frozen=True)
class Run:
    """The longest span from one start word, where each shorter span ends, its sentence."""

    text: str
    ends: list[int]
    sentence: int


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


def sentences(context: str) -> list[tuple[int, int]]:
    """Character ranges of the context's sentences (as ``words`` marks their ends)."""
    out: list[tuple[int, int]] = []
    first = None
    for w in words(context):
        first = w.start if first is None else first
        if w.ends_sentence:
            out.append((first, w.end))
            first = None
    if first is not None:
        out.append((first, len(context)))
    return out


def sentence_coverage(context: str, q: span_rules.Question) -> list[float]:
    """Per sentence: the share of the question's content words it holds."""
    return [span_rules.coverage(q, context[a:b]) for a, b in sentences(context)]


def _sentences_for(near: list[float], keep: int) -> set[int]:
    """The ``keep`` sentences that hold most of the question's content words (ties: first)."""
    return set(sorted(range(len(near)), key=lambda n: -near[n])[:keep])


def _runs(context: str, max_words: int, keep: set[int] | None = None) -> list[Run]:
    """Per start word (in the sentences kept): the longest span from it, and where each
    shorter span ends in it."""
    ws = words(context)
    runs = []
    sentence = 0
    for i in range(len(ws)):
        ends = []
        for j in range(i, min(i + max_words, len(ws))):
            ends.append(ws[j].end - ws[i].start)
            if ws[j].ends_sentence:
                break
        if keep is None or sentence in keep:
            runs.append(Run(context[ws[i].start:ws[i].start + ends[-1]], ends, sentence))
        sentence += ws[i].ends_sentence
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


@dataclass(frozen=True)
class RowScores:
    """What teacher-forcing the rows gives: each next token's and a line end's log-probability."""

    token: torch.Tensor  # (R, T): log p(row[t + 1]) after row[:t + 1]; padding past the end
    newline: torch.Tensor  # (R, T): log p(a line end) after row[:t + 1]


def right_padded(rows: list[list[int]]) -> torch.Tensor:
    """Token rows as one (rows, longest) tensor, padded with 0 on the right (a causal model
    never lets a real token see the padding after it)."""
    batch = torch.zeros(len(rows), max(len(r) for r in rows), dtype=torch.long)
    for n, row in enumerate(rows):
        batch[n, :len(row)] = torch.tensor(row)
    return batch


@torch.inference_mode()
def _rows(loaded: LoadedModel, cache: object, rows: list[list[int]],
          newline: list[int]) -> RowScores:
    """Teacher-force every row over the prompt's cache and keep only the scores needed.

    The cache is repeated once per row, and the rows are right-padded: a causal model never
    lets a real token see the padding after it, so no mask is needed. Only two numbers per
    position leave the forward, not a log-softmax over the whole vocabulary (Gemma's has
    262,144 entries: about 1 MB per position in float32).
    """
    model = loaded.model
    assert model is not None
    batch = right_padded(rows)
    width = batch.shape[1]
    cache.batch_repeat_interleave(len(rows))  # type: ignore[attr-defined]
    logits = model(input_ids=batch.to(loaded.device), cache=cache, use_cache=True).logits
    nxt = torch.cat([batch[:, 1:], batch[:, :1]], dim=1).to(logits.device)  # (R, T)
    token, line = torch.empty(len(rows), width), torch.empty(len(rows), width)
    for n in range(len(rows)):  # a row at a time keeps the float32 copy small
        row = logits[n].float()  # (T, vocab)
        norm = torch.logsumexp(row, dim=-1)
        token[n] = (row.gather(1, nxt[n, :, None])[:, 0] - norm).cpu()
        line[n] = (torch.logsumexp(row[:, newline], dim=-1) - norm).cpu()
    return RowScores(token, line)


@dataclass(frozen=True)
class Settings:
    """How span scores, the prior and the rules combine, and when to abstain."""

    prior_weight: float = PRIOR_WEIGHT
    head_bonus: float = HEAD_BONUS
    kind_penalty: float = KIND_PENALTY
    echo_penalty: float = ECHO_PENALTY
    margin: float = NO_ANSWER_MARGIN
    coverage_weight: float = COVERAGE_WEIGHT
    near_bonus: float = NEAR_BONUS


def span_score(s: Settings, logprob: float, prior: float, f: span_rules.SpanFeatures,
               near: float = 0.0) -> float:
    """A span's score: its calibrated log-probability, moved by the rules; ``near`` is the
    share of the question's content words that the span's sentence holds."""
    return (logprob - s.prior_weight * prior + s.head_bonus * f.head
            - s.kind_penalty * f.wrong_kind - s.echo_penalty * f.echo + s.near_bonus * near)


def abstains(s: Settings, best: float, no_answer: float, covered: float) -> bool:
    """True when the text does not say: the no-answer phrase scores within the margin of the
    best span, the margin widened as fewer of the question's words occur in the text."""
    return best - no_answer < s.margin + s.coverage_weight * (1.0 - covered)


def _score_rows(loaded: LoadedModel, prompt_ids: list[int], prefix: PrefixCache | None,
                shared: int, rows: list[list[int]], newline: list[int]
                ) -> tuple[torch.Tensor, RowScores]:
    """Log-probabilities of the first token after the prompt ``(vocab,)``, and the rows'
    scores teacher-forced after it."""
    first, cache = (prefix or PrefixCache()).prefill(loaded, prompt_ids, shared)
    return first, _rows(loaded, cache, rows, newline)


def _logprob(first: torch.Tensor, after: RowScores, row: int, ids: list[int], upto: int
             ) -> float:
    """Summed log-probability of ids[:upto] then an end of line, from one row's scores."""
    total = float(first[ids[0]]) + float(after.token[row, :upto - 1].sum())
    return total + float(after.newline[row, upto - 1])


def choose(loaded: LoadedModel, prompt_ids: list[int], context: str, no_answer: str,
           prefix: PrefixCache | None = None, shared: int = 0, question: str = "",
           prior_ids: list[int] | None = None, settings: Settings | None = None,
           margin: float | None = None, max_words: int = MAX_WORDS,
           max_starts: int | None = None, max_sentences: int = MAX_SENTENCES) -> SpanChoice:
    """Score the context's spans and the no-answer phrase after ``prompt_ids``; pick one.

    ``prior_ids`` is the same prompt with a content-free question: a span's score there is
    its prior, which calibration subtracts. ``prompt_ids[:shared]`` (the worked examples,
    shared by both prompts) may be read from and kept in ``prefix``. ``margin`` overrides
    the settings' margin; ``max_starts`` is ``MAX_STARTS``, read at call time, by default.

    Call it on the model's compute thread (``Runtime.call``).
    """
    s = settings or Settings()
    if margin is not None:
        s = replace(s, margin=margin)
    q = span_rules.read_question(question)
    tokenizer = loaded.tokenizer
    near = sentence_coverage(context, q)
    runs = _runs(context, max_words, _sentences_for(near, max_sentences))
    run_ids, run_ends = _encode(tokenizer, [r.text for r in runs]) if runs else ([], [])
    (na_ids,), _ = _encode(tokenizer, [no_answer])
    newline = _newline_ids(tokenizer)
    # the prompt alone ranks the start words by their first token
    first, cache = (prefix or PrefixCache()).prefill(loaded, prompt_ids, shared)
    order = sorted(range(len(runs)), key=lambda i: -float(first[run_ids[i][0]]))
    kept = [i for i in order if run_ids[i]][:max_starts or MAX_STARTS]
    rows = [run_ids[i] for i in kept] + [na_ids]
    after = _rows(loaded, cache, rows, newline)
    if s.prior_weight == 0.0:  # the prior would not count: skip its forward
        prior_ids = None
    if prior_ids is not None:
        prior_first, prior_after = _score_rows(loaded, prior_ids, prefix, shared, rows,
                                                 newline)
    candidates: list[Scored] = []
    for row, i in enumerate(kept):
        run = runs[i]
        token_ends = run_ends[i]
        for end in run.ends:
            # the span ends at a token boundary (" " + text: offsets are one further)
            if end + 1 not in token_ends:
                continue
            upto = token_ends.index(end + 1) + 1
            text = run.text[:end]
            logprob = _logprob(first, after, row, run_ids[i], upto)
            prior = (_logprob(prior_first, prior_after, row, run_ids[i], upto)
                     if prior_ids is not None else 0.0)
            f = span_rules.span_features(q, text)
            score = span_score(s, logprob, prior, f, near[run.sentence])
            candidates.append(Scored(text, score, logprob, upto,
                                     prior, row, run.sentence))
    na_logprob = _logprob(first, after, len(kept), na_ids, len(na_ids))
    na_prior = (_logprob(prior_first, prior_after, len(kept), na_ids, len(na_ids))
                if prior_ids is not None else 0.0)
    na = Scored(no_answer, na_logprob - s.prior_weight * na_prior, na_logprob, len(na_ids),
                na_prior)
    ranked = tuple(sorted(candidates, key=lambda c: -c.score))
    best = ranked[0] if ranked else None
    covered = span_rules.coverage(q, context)
    answer = ("" if best is None or abstains(s, best.score, na.score, covered)
              else best.text)
    return SpanChoice(answer, best, na, ranked, covered)


def is_no_answer(text: str, no_answer: str) -> bool:
    """True when a generated answer is the no-answer phrase (any case, a full stop allowed)."""
    return text.strip().rstrip(".").strip().lower() == no_answer.lower()

