"""``python -m lmdemo eval tune-qa``: score every candidate span once, then pick the span
scorer's settings on dev rows.

    python -m lmdemo eval tune-qa --data lmdemo/eval/data/qa-grounded-dev.tsv \\
        --features dev-spans.json --threads 1     # collects, then searches
    python -m lmdemo eval tune-qa --data lmdemo/eval/data/qa-grounded-test.tsv \\
        --features test-spans.json --threads 1 --apply   # the shipped settings, once, on test

A span's log-probability, its prior (after the content-free question) and the rules' view of
it do not depend on the scoring and decision settings (``tasks.spans_scoring.Settings``), so
one pass of the model serves every setting tried; the answer is then recomputed with the
app's own ``span_score`` and ``abstains``. ``--starts`` and ``--prior-weight`` set what the
model pass collects: how many start words it scores, and whether it scores the priors at all
(the grid tries prior weights only then). The settings travel to the answer task as a value,
on a copy of the task: nothing shared is changed.

The margin searched here is issue 12's decision; the app now decides with a logistic rule
over more signals, fitted by ``python -m lmdemo eval fit-abstain`` (issue 21), and keeps
this margin as its fallback.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Sequence
from dataclasses import asdict, replace

from ..tasks import get_task, span_rules, spans_text
from ..tasks.spans_scoring import Settings, abstains, calibrated, span_score
from . import metrics
from .datasets import QAExample
from .runners import Progress, _no_progress

# the grid: scoring weights, then the decision's coverage weight and margin
PRIOR_WEIGHTS = (0.0, 0.25, 0.5)  # tried only when the priors were collected
PRIOR_CURVE = (0.25, 0.5, 1.0)  # reported beside the shipped 0, when collected
HEAD_BONUSES = (0.0, 2.0, 4.0)
KIND_PENALTIES = (0.0, 2.0, 4.0, 8.0)
ECHO_PENALTIES = (0.0, 1.0, 2.0, 4.0)
NEAR_BONUSES = (0.0, 2.0, 4.0, 8.0)
COVERAGE_WEIGHTS = (0.0, 2.0, 4.0, 8.0, 12.0)
MARGINS = tuple(m / 2 for m in range(-20, 31))
STARTS = (4, 6, 8, 12, 16)  # start words simulated from those collected


def collect(service, rows: Sequence[QAExample], settings: Settings,
            progress: Progress = _no_progress) -> list[dict]:
    """Run the answer task with ``settings`` on each row; keep every candidate's raw scores."""
    task = replace(get_task("answer"), span_settings=settings)
    out = []
    for row in progress(rows):
        start = time.perf_counter()
        choice = service.run(task, row.context, row.question).choice
        out.append({"answers": list(row.answers), "question": row.question,
                    "context": row.context, "seconds": round(time.perf_counter() - start, 2),
                    "spans": [(c.text, c.logprob, c.prior, c.row, c.sentence)
                              for c in choice.ranked],
                    "no_answer": (choice.no_answer.logprob, choice.no_answer.prior)})
    return out


def featured(rows: list[dict]) -> list[dict]:
    """Each row with the rules' view of each span, computed once."""
    for row in rows:
        question = span_rules.read_question(row["question"])
        row["features"] = [span_rules.span_features(question, c[0]) for c in row["spans"]]
        row["covered"] = span_rules.coverage(question, row["context"])
        near = spans_text.sentence_coverage(row["context"], question)
        row["near"] = [near[c[4]] for c in row["spans"]]
    return rows


def best_spans(rows: list[dict], settings: Settings) -> list[tuple[str, float]]:
    """Per row: the best span among the first ``settings.max_starts`` start words, and its
    score ("" when none)."""
    out = []
    for row in rows:
        best, best_score = "", float("-inf")
        for span, features, near in zip(row["spans"], row["features"], row["near"],
                                        strict=True):
            text, logprob, prior, rank = span[:4]
            if rank < settings.max_starts:
                score = span_score(settings, logprob, prior, features, near)
                if score > best_score:
                    best, best_score = text, score
        out.append((best, best_score))
    return out


@functools.lru_cache(maxsize=None)
def _match(prediction: str, answers: tuple[str, ...]) -> float:
    return metrics.exact_match(prediction, answers)


def scores(rows: list[dict], settings: Settings,
           found: list[tuple[str, float]] | None = None) -> tuple[float, float, float]:
    """(answerable exact match, unanswerable answered "", answerable EM of the best span)."""
    matched, caught, oracle = [], [], []
    for row, (best, score) in zip(rows, found or best_spans(rows, settings), strict=True):
        no_answer = calibrated(settings, *row["no_answer"])
        empty = not best or abstains(settings, score, no_answer, row["covered"])
        if row["answers"]:
            match = _match(best, tuple(row["answers"]))
            matched.append(0.0 if empty else match)
            oracle.append(match)
        else:
            caught.append(float(empty))
    return metrics.mean(matched), metrics.mean(caught), metrics.mean(oracle)


def report(rows: list[dict], settings: Settings, label: str) -> str:
    """One setting's three scores, as a line."""
    matched, caught, best = scores(rows, settings)
    return (f"{label}: answerable EM {matched:.3f}, unanswerable recognised {caught:.3f} "
            f"(best span always: EM {best:.3f}) over {len(rows)} rows")


def tune(rows: list[dict], with_prior: bool, shown: int = 15) -> list[str]:
    """Grid-search the settings; the best by the lower of the two scores, as lines."""
    tried = []
    priors = PRIOR_WEIGHTS if with_prior else (0.0,)
    for prior, head, kind, echo, near in itertools.product(
            priors, HEAD_BONUSES, KIND_PENALTIES, ECHO_PENALTIES, NEAR_BONUSES):
        base = Settings(prior_weight=prior, head_bonus=head, kind_penalty=kind,
                        echo_penalty=echo, near_bonus=near)
        found = best_spans(rows, base)
        for coverage, margin in itertools.product(COVERAGE_WEIGHTS, MARGINS):
            settings = replace(base, margin=margin, coverage_weight=coverage)
            matched, caught, best = scores(rows, settings, found)
            tried.append((min(matched, caught), matched + caught, matched, caught, best,
                          settings))
    by_base: dict[tuple, float] = {}
    for t in tried:
        s = t[5]
        by_base[(s.prior_weight, s.head_bonus, s.kind_penalty, s.echo_penalty,
                 s.near_bonus)] = t[4]
    lines = [f"{len(tried)} settings tried (prior weights {', '.join(map(str, priors))})",
             "best span always, by (prior, head, kind, echo, near), top 10:"]
    lines += [f"  {key}: {value:.3f}"
              for key, value in sorted(by_base.items(), key=lambda kv: -kv[1])[:10]]
    # ties go to the middle of a plateau: the worst lower score within a nat of the margin
    low_at = {t[5]: t[0] for t in tried}

    def plateau(settings: Settings) -> float:
        near = (replace(settings, margin=settings.margin + d) for d in (-1.0, -0.5, 0.5, 1.0))
        return min(low_at.get(n, 0.0) for n in near)

    ranked = sorted(tried, key=lambda t: (t[0], plateau(t[5]), t[1]), reverse=True)
    lines += [f"{s}: EM {em:.3f} no-answer {na:.3f} min {low:.3f} plateau {plateau(s):.3f} "
              f"best-span {best:.3f}" for low, _, em, na, best, s in ranked[:shown]]
    return lines


def summary(rows: list[dict], collected: Settings, apply: bool) -> str:
    """What ``eval tune-qa`` prints: the shipped settings, a plain baseline, fewer start
    words, then (unless ``apply``) the grid's best."""
    rows = featured(rows)
    seconds = sorted(r["seconds"] for r in rows)
    shipped = replace(Settings(), max_starts=collected.max_starts)
    lines = [f"collected: {collected.max_starts} start words per question, priors "
             + ("scored" if collected.prior_weight else "not scored")
             + f"; seconds per question: median {seconds[len(seconds) // 2]}, "
             f"max {seconds[-1]}",
             report(rows, shipped, f"shipped settings, {shipped.max_starts} start words"),
             report(rows, Settings(prior_weight=0.0, head_bonus=0.0, kind_penalty=0.0,
                                   echo_penalty=0.0, near_bonus=0.0, margin=6.0,
                                   coverage_weight=0.0, max_starts=collected.max_starts),
                    "no prior, no rules, margin 6")]
    if collected.prior_weight:  # the measured option: how the prior's weight moves the figures
        lines += [report(rows, replace(shipped, prior_weight=weight),
                         f"shipped settings, prior weight {weight}") for weight in PRIOR_CURVE]
    for starts in (n for n in STARTS if n < collected.max_starts):
        settings = replace(shipped, max_starts=starts)
        matched, caught, best = scores(rows, settings)
        lines.append(f"  with {starts} start words: EM {matched:.3f}, unanswerable "
                     f"{caught:.3f}, best span always {best:.3f}")
    if not apply:
        lines += tune(rows, with_prior=bool(collected.prior_weight))
    return "\n".join(lines)


def to_json(rows: list[dict], collected: Settings) -> dict:
    """The raw scores and the settings they were collected with, as plain data."""
    keep = ("answers", "question", "context", "seconds", "spans", "no_answer")
    return {"collected": asdict(collected), "rows": [{k: r[k] for k in keep} for r in rows]}


def from_json(data: dict) -> tuple[list[dict], Settings]:
    """Rows and collection settings back from ``to_json``."""
    return data["rows"], Settings(**data["collected"])
