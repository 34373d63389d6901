"""Before/after figures for the summarize task's changes, one model load for all variants.

    python scripts/summary_ablations.py                        # every variant, every article
    python scripts/summary_ablations.py --only long --variants whole,condensed,paper-whole

Variants: ``condensed`` is the task as shipped; ``whole`` sends long articles whole (cut only by
the context window, as before condensing); ``paper-*`` use the GPT-2 paper's ``TL;DR:``
prompt. Each is scored twice: as shipped (loops trimmed, whole sentences) and with the old
cleaning (whole sentences only), read from the same raw continuations. Prints per-split
figures as ``python -m lmdemo eval summaries`` does; ``--json DIR`` keeps every output.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

VARIANTS = {"condensed": (True, None), "whole": (False, None),
            "paper-condensed": (True, "paper"), "paper-whole": (False, "paper")}


def main() -> None:
    """Run the chosen variants and print their figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--only", choices=("short", "long"), help="only short or long articles")
    parser.add_argument("--template", type=Path, help="score this template file instead")
    parser.add_argument("--threads", type=int, help="CPU threads for torch")
    parser.add_argument("--json", type=Path, help="folder for one JSON file per variant")
    args = parser.parse_args()

    import torch

    from lmdemo.config import load_config
    from lmdemo.eval.summaries import (
        LONG_CHARS,
        SUMMARY_DATA,
        group_scores,
        load_summary_articles,
        run_summaries,
    )
    from lmdemo.runtime import Runtime
    from lmdemo.tasks import TaskService, get_task
    from lmdemo.tasks.postprocess import whole_sentences

    if args.threads:
        torch.set_num_threads(args.threads)
    rows = load_summary_articles(SUMMARY_DATA)
    if args.only:
        rows = [r for r in rows if (len(r.text) > LONG_CHARS) == (args.only == "long")]
    task = get_task("summarize")
    shipped = task.condense_chars
    service = TaskService(Runtime(load_config([])))
    try:
        for name in args.variants.split(","):
            condensed, preset = VARIANTS[name]
            task.condense_chars = shipped if condensed else 10**9
            template = args.template.read_text(encoding="utf-8") if args.template \
                else task.preset(preset)
            result = run_summaries(service, rows, template=template)
            old = group_scores([whole_sentences(str(r["raw"])) for r in result.records], rows)
            print(f"{name}: {result.rows} articles, {result.seconds:.0f} s")
            print(f"  {'figure':<26}{'shipped':>9}{'old clean':>10}")
            for key, value in result.metrics.items():
                print(f"  {key:<26}{value:>9.3f}{old.get(key, float('nan')):>10.3f}")
            if args.json:
                args.json.mkdir(parents=True, exist_ok=True)
                (args.json / f"{name}.json").write_text(
                    json.dumps(asdict(result), indent=1, default=str), encoding="utf-8")
    finally:
        task.condense_chars = shipped
        service.close()


if __name__ == "__main__":
    main()
