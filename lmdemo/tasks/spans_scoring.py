"""The span scorer's settings, and its two pure steps: scoring and the decision.

Scoring: a candidate's score is its log-probability (``tasks.spans`` measures it), moved by
cheap rules (``span_rules``): a bonus as the span's sentence holds more of the question's
words, a bonus for the head noun of "which X", penalties for repeating the question's words
and (off by default) for a span of the wrong kind. As a measured option, the same span's
log-probability after a content-free question (``CONTENT_FREE``), times ``prior_weight``, is
subtracted (contextual calibration); it did not help on dev, so its weight is 0 and its
forward is skipped.

Decision: one more candidate is the no-answer phrase the prompt's unanswerable example uses;
when the best span beats it by less than a margin, widened when the text lacks the question's
words, the answer is "" (SQuAD 2.0's convention). The answer task then decides again with more
signals (``tasks.abstain``); this margin is its fallback.

No model and no torch here: the settings travel as one frozen value, from the task (or an
evaluation command) down to each step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import span_rules

if TYPE_CHECKING:
    from .abstain import Signals

MAX_WORDS = 8  # a short answer; longer spans are rarely what a question asks for
MAX_STARTS = 8  # rows of the batched forward; on dev, 10, 12 and 16 found no more answers
MAX_SENTENCES = 3  # a long text's answer sits in a sentence that shares the question's words
# The question whose answers give each span's prior: it asks for nothing in particular.
CONTENT_FREE = "What is mentioned?"
# Tuned on lmdemo/eval/data/qa-grounded-dev.tsv only (`python -m lmdemo eval tune-qa`): the
# point with the best lower of answerable exact match and unanswerable recall that stays good
# when the margin moves by a nat. The prior did not help: it favours long spans, whose prior is
# low, and the best span was right less often as its weight grew (dev: 0.90 at 0, 0.88 at
# 0.25, 0.81 at 0.5, 0.68 at 1; `eval tune-qa --prior-weight 1` scores the priors to rerun
# it), so it is off and its forward skipped. The kind rule cost one dev answer (0.88).
PRIOR_WEIGHT = 0.0
HEAD_BONUS = 2.0
KIND_PENALTY = 0.0
ECHO_PENALTY = 2.0
NO_ANSWER_MARGIN = 6.0
COVERAGE_WEIGHT = 4.0
NEAR_BONUS = 4.0


@dataclass(frozen=True)
class Settings:
    """Which spans are candidates, how their scores combine, and when to abstain."""

    # candidates (``spans_text``) and the model's batched forward (``spans``)
    max_words: int = MAX_WORDS
    max_starts: int = MAX_STARTS
    max_sentences: int = MAX_SENTENCES
    # scoring
    prior_weight: float = PRIOR_WEIGHT
    head_bonus: float = HEAD_BONUS
    kind_penalty: float = KIND_PENALTY
    echo_penalty: float = ECHO_PENALTY
    near_bonus: float = NEAR_BONUS
    # decision
    margin: float = NO_ANSWER_MARGIN
    coverage_weight: float = COVERAGE_WEIGHT


@dataclass(frozen=True)
class Measured:
    """What the model says of one candidate, before any rule."""

    text: str
    logprob: float  # summed over its tokens and the end of line
    tokens: int
    prior: float = 0.0  # the same after the content-free question (0 when not scored)
    row: int = 0  # its start word's rank by first-token probability
    sentence: int = 0  # the sentence of the context it comes from


@dataclass(frozen=True)
class Scored(Measured):
    """One candidate answer: what the model said of it, and its score (higher is better)."""

    score: float = field(kw_only=True)

    @classmethod
    def of(cls, measured: Measured, score: float) -> Scored:
        """A measured candidate with its score."""
        return cls(**vars(measured), score=score)


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


def calibrated(settings: Settings, logprob: float, prior: float) -> float:
    """A log-probability less the weighted prior (the no-answer phrase's whole score)."""
    return logprob - settings.prior_weight * prior


def span_score(settings: Settings, logprob: float, prior: float,
               features: span_rules.SpanFeatures, near: float = 0.0) -> float:
    """A span's score: its log-probability less the weighted prior, moved by the rules;
    ``near`` is the share of the question's content words that the span's sentence holds."""
    return (calibrated(settings, logprob, prior) + settings.head_bonus * features.head
            - settings.kind_penalty * features.wrong_kind - settings.echo_penalty * features.echo
            + settings.near_bonus * near)


def abstains(settings: Settings, best: float, no_answer: float, covered: float) -> bool:
    """True when the text does not say: the no-answer phrase scores within the margin of the
    best span, the margin widened as fewer of the question's words occur in the text."""
    return best - no_answer < settings.margin + settings.coverage_weight * (1.0 - covered)


def rank(settings: Settings, question: span_rules.Question, measured: list[Measured],
         near: list[float]) -> tuple[Scored, ...]:
    """Scoring: every measured span with its score, best first (ties keep their order)."""
    scored = [Scored.of(m, span_score(settings, m.logprob, m.prior,
                                      span_rules.span_features(question, m.text),
                                      near[m.sentence]))
              for m in measured]
    return tuple(sorted(scored, key=lambda c: -c.score))


def pick(settings: Settings, ranked: tuple[Scored, ...], no_answer: Measured, covered: float
         ) -> SpanChoice:
    """The decision: the best span, or "" when the no-answer phrase comes within the margin."""
    option = Scored.of(no_answer, calibrated(settings, no_answer.logprob, no_answer.prior))
    best = ranked[0] if ranked else None
    answer = ("" if best is None or abstains(settings, best.score, option.score, covered)
              else best.text)
    return SpanChoice(answer, best, option, ranked, covered)
