"""Extractive answers: the model scores spans of the text as its answer; one is picked, or none.

After a few-shot prompt that ends where the answer begins ("Answer:"), the model scores each
candidate (``spans_text``) by the summed log-probability of its tokens followed by an end of
line. ``choose`` runs the three steps in turn: candidates from the text, the model's
measurements here, then scoring and the decision (``spans_scoring``), each reading its values
from one ``Settings``. The answer task then decides again with more signals
(``tasks.abstain``); the scorer's margin is its fallback.

Cost: one forward over the prompt, kept as a cache; the likeliest ``max_starts`` start words
(by their first token), from the ``max_sentences`` sentences sharing most words with the
question, then go through one batched forward over that cache, each row teacher-forcing the
longest span from its start, so every shorter span from the same start is scored from the
same row. The prior (a measured option, off) costs the same again, for the content-free prompt.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import torch

from . import span_rules, spans_text
from .spans_scoring import Measured, Settings, SpanChoice, pick, rank

if TYPE_CHECKING:
    from ..models.loader import LoadedModel


@dataclass(frozen=True)
class SpanQuery:
    """One question for the span scorer: its prompt, the text the spans come from, and the
    no-answer phrase the prompt's unanswerable example uses."""

    prompt_ids: list[int]
    context: str
    question: str
    no_answer: str
    # the same prompt with a content-free question: a span's score there is its prior
    prior_ids: list[int] | None = None
    shared: int = 0  # prompt_ids[:shared] (the worked examples) may come from the prefix cache


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


def measure(loaded: LoadedModel, query: SpanQuery, runs: list[spans_text.Run],
            max_starts: int, prefix: PrefixCache | None = None
            ) -> tuple[list[Measured], Measured]:
    """The model's log-probability (and prior, when ``query.prior_ids`` is given) of every
    span of the ``max_starts`` likeliest runs, and of the no-answer phrase."""
    tokenizer = loaded.tokenizer
    run_ids, run_ends = _encode(tokenizer, [r.text for r in runs]) if runs else ([], [])
    (na_ids,), _ = _encode(tokenizer, [query.no_answer])
    newline = _newline_ids(tokenizer)
    # the prompt alone ranks the start words by their first token
    first, cache = (prefix or PrefixCache()).prefill(loaded, query.prompt_ids, query.shared)
    order = sorted(range(len(runs)), key=lambda i: -float(first[run_ids[i][0]]))
    kept = [i for i in order if run_ids[i]][:max_starts]
    rows = [run_ids[i] for i in kept] + [na_ids]
    after = _rows(loaded, cache, rows, newline)
    if query.prior_ids is not None:
        prior_first, prior_after = _score_rows(loaded, query.prior_ids, prefix, query.shared,
                                               rows, newline)
    measured: list[Measured] = []
    for row, i in enumerate(kept):
        run = runs[i]
        token_ends = run_ends[i]
        for end in run.ends:
            # the span ends at a token boundary (" " + text: offsets are one further)
            if end + 1 not in token_ends:
                continue
            upto = token_ends.index(end + 1) + 1
            logprob = _logprob(first, after, row, run_ids[i], upto)
            prior = (_logprob(prior_first, prior_after, row, run_ids[i], upto)
                     if query.prior_ids is not None else 0.0)
            measured.append(Measured(run.text[:end], logprob, upto, prior, row, run.sentence))
    na_logprob = _logprob(first, after, len(kept), na_ids, len(na_ids))
    na_prior = (_logprob(prior_first, prior_after, len(kept), na_ids, len(na_ids))
                if query.prior_ids is not None else 0.0)
    return measured, Measured(query.no_answer, na_logprob, len(na_ids), na_prior)


def choose(loaded: LoadedModel, query: SpanQuery, settings: Settings | None = None,
           prefix: PrefixCache | None = None) -> SpanChoice:
    """Score the context's spans and the no-answer phrase after the query's prompt; pick one.

    Candidates, the model's measurements, scoring and the decision, each with ``settings``
    (the shipped ones by default). The prior is scored only when it counts: with a
    ``prior_weight`` and ``query.prior_ids``. ``prefix`` keeps the worked examples' cache
    across questions. Call it on the model's compute thread (``Runtime.call``).
    """
    settings = settings or Settings()
    if settings.prior_weight == 0.0:  # the prior would not count: skip its forward
        query = replace(query, prior_ids=None)
    question = span_rules.read_question(query.question)
    found = spans_text.candidates(query.context, question, settings)
    measured, no_answer = measure(loaded, query, found.runs, settings.max_starts, prefix)
    ranked = rank(settings, question, measured, found.near)
    return pick(settings, ranked, no_answer, span_rules.coverage(question, query.context))


def is_no_answer(text: str, no_answer: str) -> bool:
    """True when a generated answer is the no-answer phrase (any case, a full stop allowed)."""
    return text.strip().rstrip(".").strip().lower() == no_answer.lower()
