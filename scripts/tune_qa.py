"""Score every candidate span once, then pick the span settings on dev rows.

    python scripts/tune_qa.py --data lmdemo/eval/data/qa-grounded-dev.tsv --out /tmp/qa-dev.json

A span's log-probability, its prior (after the content-free question) and the rules' view of
it do not depend on the settings of ``tasks.spans.Settings``, so one pass of the model serves
every setting tried; the answer is then recomputed with the app's own ``span_score`` and
``abstains``. Pass ``--apply`` with a test file to score it once with the settings in
``lmdemo/tasks/spans.py`` (the ones the app uses).

The margin searched here is issue 12's decision; the app now decides with a logistic rule
over more signals, fitted by ``python -m lmdemo eval fit-abstain`` (issue 21), and keeps
this margin as its fallback.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lmdemo.eval import metrics  # noqa: E402
from lmdemo.eval.datasets import load_qa  # noqa: E402
from lmdemo.tasks import span_rules, spans  # noqa: E402


def collect(path: Path, out: Path, limit: int | None) -> list[dict]:
    """Run the answer task on each row and keep every candidate's raw scores."""
    from lmdemo.config import load_config
    from lmdemo.runtime import Runtime
    from lmdemo.tasks import TaskService

    service = TaskService(Runtime(load_config([])))
    rows = []
    try:
        for n, row in enumerate(load_qa(path)[:limit]):
            start = time.perf_counter()
            run = service.run("answer", row.context, row.question)
            choice = run.choice
            na = choice.no_answer
            rows.append({"answers": list(row.answers), "question": row.question,
                         "context": row.context,
                         "seconds": round(time.perf_counter() - start, 2),
                         "covered": choice.covered,
                         "spans": [(c.text, c.logprob, c.prior, c.row, c.sentence)
                                   for c in choice.ranked],
                         "no_answer": (na.logprob, na.prior)})
            print(n, f"{rows[-1]['seconds']:.1f}s", row.question, "->", repr(run.answer()),
                  file=sys.stderr, flush=True)
            out.write_text(json.dumps(rows), encoding="utf-8")
    finally:
        service.close()
    return rows


def _sentence_of(context: str, ranges: list[tuple[int, int]], text: str) -> int:
    """The sentence a span first occurs in (for rows collected before spans kept it)."""
    at = context.find(text)
    return next(n for n, (a, b) in enumerate(ranges) if a <= at < b)


def featured(rows: list[dict]) -> list[dict]:
    """Each row with the rules' view of each span, computed once."""
    for row in rows:
        q = span_rules.read_question(row["question"])
        row["features"] = [span_rules.span_features(q, c[0]) for c in row["spans"]]
        row["covered"] = span_rules.coverage(q, row["context"])  # as the rules stand now
        near = spans.sentence_coverage(row["context"], q)
        ranges = spans.sentences(row["context"])
        row["near"] = [near[c[4] if len(c) > 4 else _sentence_of(row["context"], ranges, c[0])]
                       for c in row["spans"]]
    return rows


def best_spans(rows: list[dict], s: spans.Settings, max_starts: int = spans.MAX_STARTS
               ) -> list[tuple[str, float]]:
    """Per row: the best span and its score with these settings ("" when none)."""
    out = []
    for row in rows:
        best, best_score = "", float("-inf")
        for c, f, near in zip(row["spans"], row["features"], row["near"], strict=True):
            text, logprob, prior, rank = c[:4]
            if rank < max_starts:
                score = spans.span_score(s, logprob, prior, f, near)
                if score > best_score:
                    best, best_score = text, score
        out.append((best, best_score))
    return out


@functools.lru_cache(maxsize=None)
def _match(prediction: str, answers: tuple[str, ...]) -> float:
    return metrics.exact_match(prediction, answers)


def scores(rows: list[dict], s: spans.Settings, found: list[tuple[str, float]] | None = None
           ) -> tuple[float, float, float]:
    """(answerable exact match, unanswerable answered "", answerable EM of the best span)."""
    em, na, oracle = [], [], []
    for row, (best, score) in zip(rows, found or best_spans(rows, s), strict=True):
        na_logprob, na_prior = row["no_answer"]
        no_answer = na_logprob - s.prior_weight * na_prior
        empty = not best or spans.abstains(s, score, no_answer, row["covered"])
        if row["answers"]:
            match = _match(best, tuple(row["answers"]))
            em.append(0.0 if empty else match)
            oracle.append(match)
        else:
            na.append(float(empty))
    return metrics.mean(em), metrics.mean(na), metrics.mean(oracle)


def report(rows: list[dict], s: spans.Settings, label: str) -> None:
    """Print one setting's three scores."""
    em, na, best = scores(rows, s)
    print(f"{label}: answerable EM {em:.3f}, unanswerable recognised {na:.3f} "
          f"(best span always: EM {best:.3f}) over {len(rows)} rows")


def tune(rows: list[dict]) -> None:
    """Grid-search the settings; print the best by the lower of the two scores."""
    tried = []
    grid = itertools.product((0.0, 0.25, 0.5), (0.0, 2.0, 4.0), (0.0, 2.0, 4.0, 8.0),
                             (0.0, 1.0, 2.0, 4.0), (0.0, 2.0, 4.0, 8.0))
    for prior, head, kind, echo, near in grid:
        base = spans.Settings(prior, head, kind, echo, 0.0, 0.0, near)
        found = best_spans(rows, base)
        for coverage in (0.0, 2.0, 4.0, 8.0, 12.0):
            for margin in [m / 2 for m in range(-20, 31)]:
                s = spans.Settings(prior, head, kind, echo, margin, coverage, near)
                em, na, best = scores(rows, s, found)
                tried.append((min(em, na), em + na, em, na, best, s))
    by_base: dict[tuple, float] = {}
    for t in tried:
        key = (t[5].prior_weight, t[5].head_bonus, t[5].kind_penalty, t[5].echo_penalty,
               t[5].near_bonus)
        by_base[key] = t[4]
    print("best span always, by (prior, head, kind, echo, near), top 10:")
    for key, value in sorted(by_base.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {key}: {value:.3f}")
    # ties go to the middle of a plateau: the worst lower score within a nat of the margin
    low_at = {t[5]: t[0] for t in tried}

    def plateau(s: spans.Settings) -> float:
        near = (replace(s, margin=s.margin + d) for d in (-1.0, -0.5, 0.5, 1.0))
        return min(low_at.get(n, 0.0) for n in near)

    ranked = sorted(tried, key=lambda t: (t[0], plateau(t[5]), t[1]), reverse=True)
    for low, _, em, na, best, s in ranked[:15]:
        print(f"{s}: EM {em:.3f} no-answer {na:.3f} min {low:.3f} plateau {plateau(s):.3f} "
              f"best-span {best:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="a QA file (tune on dev only)")
    parser.add_argument("--out", type=Path, required=True, help="raw scores (reused if there)")
    parser.add_argument("--limit", type=int, help="collect at most N rows")
    parser.add_argument("--starts", type=int, default=spans.MAX_STARTS,
                        help="start words scored per question while collecting (the app's "
                             "MAX_STARTS by default; more lets fewer be simulated)")
    parser.add_argument("--threads", type=int, help="CPU threads for torch (1 on a busy CPU)")
    parser.add_argument("--apply", action="store_true",
                        help="only print the scores of the settings in tasks/spans.py")
    args = parser.parse_args()
    spans.MAX_STARTS = args.starts
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    rows = featured(json.loads(args.out.read_text()) if args.out.is_file()
                    else collect(args.data, args.out, args.limit))
    seconds = sorted(r["seconds"] for r in rows)
    print(f"seconds per question: median {seconds[len(seconds) // 2]}, max {seconds[-1]}")
    report(rows, spans.Settings(), "settings in tasks/spans.py")
    report(rows, spans.Settings(0.0, 0.0, 0.0, 0.0, 6.0, 0.0, 0.0),
           "no prior, no rules, margin 6")
    for starts in (4, 6, 8, 12, 16):  # rows of the batched forward, as collected
        em, na, best = scores(rows, spans.Settings(), best_spans(rows, spans.Settings(), starts))
        print(f"  with {starts} start words: EM {em:.3f}, unanswerable {na:.3f}, "
              f"best span always {best:.3f}")
    if not args.apply:
        tune(rows)


if __name__ == "__main__":
    main()
