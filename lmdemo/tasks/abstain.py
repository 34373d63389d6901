"""Whether to answer or abstain: a small logistic combination of several signals.

One margin on one score (best span against the no-answer phrase) traded answerable questions
for unanswerable ones at every setting (issue 12). Here four signals are combined:

- ``margin``: the best span's score less the no-answer phrase's (``tasks.spans``);
- ``gap``: the best span's score less the best span that neither holds it nor lies in it
  (a close rival means the model is unsure which part of the text answers);
- ``covered``: the share of the question's content words that the text holds;
- ``verified``: log p(yes) - log p(no) when the model is asked whether the text says the
  best span answers the question (``tasks.verify``).

``Logistic`` turns them into the probability that the best span is a right answer; the task
answers when it reaches the threshold. ``fit`` learns the weights (plain Newton steps with a
small L2 penalty; a few hundred rows at most), from ``python -m lmdemo eval fit-abstain``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

FEATURES = ("margin", "gap", "covered", "verified")
# A best span with no rival at all: its gap counts as this many nats (about the largest
# gap seen between two real rivals).
NO_RIVAL_GAP = 10.0


@dataclass(frozen=True)
class Signals:
    """What the decision reads about one question's best span."""

    margin: float
    gap: float
    covered: float
    verified: float

    def vector(self) -> list[float]:
        """The signals in ``FEATURES`` order."""
        return [getattr(self, name) for name in FEATURES]


@dataclass(frozen=True)
class Logistic:
    """p(answer is right) = sigmoid(bias + sum(weight * (x - mean) / scale)); answer when
    p >= threshold. Means and scales are the training rows' (so the weights compare)."""

    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float = 0.5

    def probability(self, signals: Signals) -> float:
        """How likely the best span is a right answer."""
        z = self.bias + sum(w * (x - m) / s for w, x, m, s in zip(
            self.weights, signals.vector(), self.means, self.scales, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def answers(self, signals: Signals) -> bool:
        """True when the best span should be given; False to abstain."""
        return self.probability(signals) >= self.threshold


def rival_gap(best: str, ranked: Sequence[tuple[str, float]]) -> float:
    """The best span's score less that of the best span that neither holds nor lies in it;
    ``ranked`` is (text, score), best first. ``NO_RIVAL_GAP`` when there is no rival."""
    if not ranked:
        return NO_RIVAL_GAP
    top = ranked[0][1]
    low = best.lower()
    for text, score in ranked[1:]:
        other = text.lower()
        if other not in low and low not in other:
            return min(top - score, NO_RIVAL_GAP)
    return NO_RIVAL_GAP


def fit(rows: Sequence[Signals], right: Sequence[bool], l2: float = 1.0, steps: int = 50
        ) -> Logistic:
    """Fit the weights by Newton's method on standardised signals (threshold 0.5).

    ``right`` says, per row, whether giving its best span would be right (answerable and
    the best span matches); ``l2`` penalises the weights, not the bias.
    """
    if len(rows) != len(right) or not rows:
        raise ValueError("fit needs as many labels as rows, and at least one row.")
    raw = [r.vector() for r in rows]
    k = len(FEATURES)
    means = [sum(x[j] for x in raw) / len(raw) for j in range(k)]
    scales = [math.sqrt(sum((x[j] - means[j]) ** 2 for x in raw) / len(raw)) or 1.0
              for j in range(k)]
    xs = [[1.0] + [(x[j] - means[j]) / scales[j] for j in range(k)] for x in raw]
    ys = [1.0 if y else 0.0 for y in right]
    beta = [0.0] * (k + 1)
    for _ in range(steps):
        grad = [0.0] * (k + 1)
        hess = [[0.0] * (k + 1) for _ in range(k + 1)]
        for x, y in zip(xs, ys, strict=True):
            z = sum(b * v for b, v in zip(beta, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
            for a in range(k + 1):
                grad[a] += (p - y) * x[a]
                for b in range(k + 1):
                    hess[a][b] += p * (1 - p) * x[a] * x[b]
        for a in range(1, k + 1):
            grad[a] += l2 * beta[a]
            hess[a][a] += l2
        step = _solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return Logistic(tuple(beta[1:]), beta[0], tuple(means), tuple(scales))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """x with a @ x = b, by Gaussian elimination with partial pivoting (a is small)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        if abs(m[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [v - f * w for v, w in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] if abs(m[i][i]) >= 1e-12 else 0.0 for i in range(n)]
