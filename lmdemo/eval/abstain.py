"""``python -m lmdemo eval fit-abstain``: the signals of each question, the logistic fit and
the trade-off curve of the Q&A abstain decision (issue 21).

    python -m lmdemo eval fit-abstain --data lmdemo/eval/data/qa-grounded-dev.tsv \\
        --features dev-signals.json --threads 1            # fit: prints ABSTAIN for answer.py
    python -m lmdemo eval fit-abstain --data lmdemo/eval/data/qa-grounded-test.tsv \\
        --features test-signals.json --threads 1 --apply   # the shipped rule, once, on test

The model runs once per question (the signals do not depend on the weights); the rows are
kept in ``--features`` and reused when the file is there.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ..tasks.abstain import FEATURES, Logistic, Signals, fit
from . import metrics
from .datasets import QAExample

# A threshold is picked on dev where the worse of the two targets' shares is best.
TARGETS = {"answerable": 0.90, "unanswerable": 0.80}
GRID = tuple(round(t / 100, 2) for t in range(1, 100))


@dataclass(frozen=True)
class Row:
    """One question: whether it has an answer, whether its best span is right, its signals."""

    question: str
    answerable: bool
    best: str
    best_right: bool
    signals: Signals
    margin_answer: str  # what the older single margin gave
    verified: tuple[tuple[str, float], ...] = ()


def collect(service, rows: Sequence[QAExample], progress=lambda items: items) -> list[Row]:
    """Run the answer task on each row and keep what the decision reads."""
    from ..tasks import get_task
    from ..tasks.spans_scoring import abstains

    settings = get_task("answer").span_settings
    out = []
    for row in progress(rows):
        run = service.run("answer", row.context, row.question)
        choice = run.choice
        if choice.best is None or choice.signals is None:
            print(f"no span or no signals: {row.question}", file=sys.stderr)
            continue
        best = choice.best.text
        old = abstains(settings, choice.best.score, choice.no_answer.score, choice.covered)
        out.append(Row(row.question, row.answerable, best,
                       row.answerable and metrics.exact_match(best, row.answers) == 1.0,
                       choice.signals, "" if old else best, choice.verified))
    return out


def to_json(rows: Sequence[Row]) -> list[dict]:
    """Rows as plain data."""
    return [asdict(r) for r in rows]


def from_json(data: Sequence[dict]) -> list[Row]:
    """Rows back from ``to_json``."""
    return [Row(d["question"], d["answerable"], d["best"], d["best_right"],
                Signals(**d["signals"]), d["margin_answer"],
                tuple(tuple(v) for v in d.get("verified", ()))) for d in data]


def shares(rows: Sequence[Row], answered: Sequence[bool]) -> tuple[float, float]:
    """(answerable questions answered right, unanswerable questions left empty)."""
    right = [float(a and r.best_right) for r, a in zip(rows, answered, strict=True)
             if r.answerable]
    caught = [float(not a) for r, a in zip(rows, answered, strict=True) if not r.answerable]
    return metrics.mean(right), metrics.mean(caught)


def curve(rows: Sequence[Row], rule: Logistic, grid: Sequence[float] = GRID
          ) -> list[tuple[float, float, float]]:
    """(threshold, answerable right, unanswerable caught) as the threshold moves."""
    p = [rule.probability(r.signals) for r in rows]
    return [(t, *shares(rows, [x >= t for x in p])) for t in grid]


def pick(points: Sequence[tuple[float, float, float]]) -> float:
    """The threshold whose worse share, relative to its target, is best; ties go to the
    middle of the tied run (a point that stays good when the threshold moves a little)."""
    def worst(point: tuple[float, float, float]) -> float:
        return min(point[1] / TARGETS["answerable"], point[2] / TARGETS["unanswerable"])

    top = max(worst(p) for p in points)
    tied = [p[0] for p in points if worst(p) >= top - 1e-9]
    return tied[len(tied) // 2]


def alone(rows: Sequence[Row], name: str) -> tuple[float, float, float]:
    """(cut, answerable right, unanswerable caught) of answering when one signal reaches
    the cut, at the cut whose worse share (relative to its target) is best."""
    values = [getattr(r.signals, name) for r in rows]
    points = [(cut, *shares(rows, [v >= cut for v in values])) for cut in sorted(set(values))]
    return max(points, key=lambda p: min(p[1] / TARGETS["answerable"],
                                         p[2] / TARGETS["unanswerable"]))


def fitted(rows: Sequence[Row], l2: float = 1.0) -> Logistic:
    """The logistic rule fitted on ``rows``, its threshold picked on the same rows."""
    rule = fit([r.signals for r in rows], [r.best_right for r in rows], l2=l2)
    return Logistic(rule.weights, rule.bias, rule.means, rule.scales,
                    pick(curve(rows, rule)))


def as_code(rule: Logistic) -> str:
    """The rule as the Python line that ``lmdemo/tasks/catalog/answer.py`` stores."""
    def nums(xs: Sequence[float]) -> str:
        return "(" + ", ".join(f"{x:.4f}" for x in xs) + ")"

    return (f"ABSTAIN = Logistic(weights={nums(rule.weights)},  # {', '.join(FEATURES)}\n"
            f"                   bias={rule.bias:.4f}, means={nums(rule.means)},\n"
            f"                   scales={nums(rule.scales)}, threshold={rule.threshold})")


def report(rows: Sequence[Row], rule: Logistic, label: str, tuning: bool = True) -> str:
    """The rule's point, the older margin's, the best span always, and the curve; while
    ``tuning`` (on dev), also each signal alone at its best cut on these rows."""
    n_ans = sum(r.answerable for r in rows)
    lines = [f"{label}: {len(rows)} rows ({n_ans} answerable, {len(rows) - n_ans} not)"]
    point = shares(rows, [rule.answers(r.signals) for r in rows])
    lines.append(f"  logistic at threshold {rule.threshold}: answerable right {point[0]:.3f}, "
                 f"unanswerable caught {point[1]:.3f}")
    old = shares(rows, [bool(r.margin_answer) for r in rows])
    lines.append(f"  single margin (before): answerable right {old[0]:.3f}, "
                 f"unanswerable caught {old[1]:.3f}")
    always = shares(rows, [True] * len(rows))
    lines.append(f"  best span always: answerable right {always[0]:.3f}")
    for name in FEATURES if tuning else ():  # a cut picked on test would be tuning on it
        best = alone(rows, name)
        lines.append(f"  {name} alone, its best threshold here: answerable right "
                     f"{best[1]:.3f}, unanswerable caught {best[2]:.3f}")
    lines.append("  threshold  answerable_right  unanswerable_caught")
    for t, a, u in curve(rows, rule, [round(x / 20, 2) for x in range(1, 20)]):
        lines.append(f"  {t:9.2f}  {a:16.3f}  {u:19.3f}")
    return "\n".join(lines)


def curve_svg(points: Sequence[tuple[float, float, float]], shipped: float, title: str,
              size: int = 320) -> str:
    """The trade-off as a small SVG: unanswerable caught (x) against answerable right (y),
    one dot per threshold, dashed lines at the targets, the shipped threshold ringed."""
    pad = 40
    span = size - 2 * pad

    def at(x: float, y: float) -> tuple[float, float]:
        return pad + x * span, size - pad - y * span

    line = " ".join("{:.1f},{:.1f}".format(*at(u, a)) for _, a, u in points)
    dots = "".join('<circle cx="{:.1f}" cy="{:.1f}" r="2"/>'.format(*at(u, a))
                   for _, a, u in points)
    t, a, u = min(points, key=lambda p: abs(p[0] - shipped))
    ring = '<circle cx="{:.1f}" cy="{:.1f}" r="6" fill="none" stroke="red"/>'.format(*at(u, a))
    tx, _ = at(TARGETS["unanswerable"], 0)
    _, ty = at(0, TARGETS["answerable"])
    ox, oy = at(0, 0)
    ex, ey = at(1, 1)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
            f'font-family="sans-serif" font-size="11">'
            f'<rect x="{ox}" y="{ey}" width="{span}" height="{span}" fill="none" stroke="#888"/>'
            f'<line x1="{tx}" y1="{ey}" x2="{tx}" y2="{oy}" stroke="#888" stroke-dasharray="4"/>'
            f'<line x1="{ox}" y1="{ty}" x2="{ex}" y2="{ty}" stroke="#888" stroke-dasharray="4"/>'
            f'<polyline points="{line}" fill="none" stroke="#36c"/><g fill="#36c">{dots}</g>'
            f'{ring}<text x="{pad}" y="{pad - 22}">{title}</text>'
            f'<text x="{size / 2}" y="{size - 8}" text-anchor="middle">unanswerable caught '
            f'(0 to 1; target {TARGETS["unanswerable"]})</text>'
            f'<text x="12" y="{size / 2}" text-anchor="middle" transform="rotate(-90 12 '
            f'{size / 2})">answerable right (target {TARGETS["answerable"]})</text>'
            f'<text x="{pad}" y="{pad - 8}" fill="red">ringed: threshold {t} '
            f'({a:.3f}, {u:.3f})</text></svg>\n')
