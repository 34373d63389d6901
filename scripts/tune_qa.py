"""Score every candidate span once, then pick LENGTH_ALPHA and NO_ANSWER_MARGIN on dev rows.

    python scripts/tune_qa.py --data tests/data/qa-grounded-dev.tsv --out /tmp/qa-dev.json

Spans' summed log-probabilities and token counts do not depend on the two settings, so one
pass of the model serves every setting tried. Pass ``--apply A,M`` with a test file to score
it once with the chosen settings.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lmdemo.eval import metrics  # noqa: E402
from lmdemo.eval.datasets import load_qa  # noqa: E402


def collect(path: Path, out: Path) -> list[dict]:
    """Run the answer task on each row and keep every candidate's raw score."""
    from lmdemo.config import load_config
    from lmdemo.runtime import Runtime
    from lmdemo.tasks import TaskService

    service = TaskService(Runtime(load_config([])))
    rows = []
    try:
        for n, row in enumerate(load_qa(path)):
            run = service.run("answer", row.context, row.question)
            choice = run.choice
            rows.append({"answers": list(row.answers), "question": row.question,
                         "spans": [(c.text, c.logprob, c.tokens) for c in choice.ranked],
                         "no_answer": (choice.no_answer.logprob, choice.no_answer.tokens)})
            print(n, row.question, "->", repr(run.answer()), file=sys.stderr, flush=True)
            out.write_text(json.dumps(rows), encoding="utf-8")
    finally:
        service.close()
    return rows


def predict(row: dict, alpha: float, margin: float) -> str:
    """The answer the task gives with these settings."""
    norm = lambda lp, n: lp / (n + 1) ** alpha  # noqa: E731
    na = norm(*row["no_answer"])
    best = max(row["spans"], key=lambda c: norm(c[1], c[2]), default=None)
    if best is None or na + margin >= norm(best[1], best[2]):
        return ""
    return best[0]


def scores(rows: list[dict], alpha: float, margin: float) -> tuple[float, float]:
    """(exact match on answerable rows, share of unanswerable rows answered "")."""
    preds = [(predict(r, alpha, margin), r["answers"]) for r in rows]
    em = [metrics.exact_match(p, a) for p, a in preds if a]
    na = [float(p == "") for p, a in preds if not a]
    return metrics.mean(em), metrics.mean(na)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="a QA file (tune on dev only)")
    parser.add_argument("--out", type=Path, required=True, help="raw scores (reused if there)")
    parser.add_argument("--apply", help="ALPHA,MARGIN: only print these settings' scores")
    args = parser.parse_args()
    rows = (json.loads(args.out.read_text()) if args.out.is_file()
            else collect(args.data, args.out))
    if args.apply:
        alpha, margin = map(float, args.apply.split(","))
        em, na = scores(rows, alpha, margin)
        print(f"alpha {alpha} margin {margin}: answerable EM {em:.3f}, unanswerable {na:.3f}")
        return
    tried = []
    for alpha in (0.0, 0.25, 0.5, 0.75, 1.0):
        for margin in [m / 2 for m in range(-2, 25)]:
            em, na = scores(rows, alpha, margin)
            tried.append((min(em, na), em, na, alpha, margin))
    # the best of the weaker half: neither score is bought at the other's expense
    for low, em, na, alpha, margin in sorted(tried, reverse=True)[:10]:
        print(f"alpha {alpha:4} margin {margin:4}: EM {em:.3f} no-answer {na:.3f} min {low:.3f}")

if __name__ == "__main__":
    main()
