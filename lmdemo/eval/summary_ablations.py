"""``python -m lmdemo eval summary-ablations``: before/after figures for the summarize task's
changes, one model load for all variants.

    python -m lmdemo eval summary-ablations                  # every variant, every article
    python -m lmdemo eval summary-ablations --only long --variants whole,condensed,paper-whole

Variants: ``condensed`` is the task as shipped; ``whole`` sends long articles whole (cut only
by the context window, as before condensing); ``paper-*`` use the GPT-2 paper's ``TL;DR:``
prompt. Each runs on a copy of the task with its own settings (nothing shared is changed) and
is scored twice: as shipped (loops trimmed, whole sentences) and with the old cleaning (whole
sentences only), read from the same raw continuations. Prints per-split figures as
``python -m lmdemo eval summaries`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..errors import InputError
from ..tasks import get_task
from ..tasks.postprocess import whole_sentences
from .runners import EvalResult, Progress, _no_progress
from .summaries import LONG_CHARS, SplitArticle, group_scores, run_summaries

# (condensed, preset): whether long articles are condensed first, and which prompt
VARIANTS = {"condensed": (True, None), "whole": (False, None),
            "paper-condensed": (True, "paper"), "paper-whole": (False, "paper")}
WHOLE = 10**9  # condense articles longer than this: none, so only the window cuts them


@dataclass
class Ablation:
    """One variant's figures as shipped, and with the old cleaning of the same outputs."""

    name: str
    result: EvalResult
    old_cleaning: dict[str, float]


def pick_variants(names: str) -> list[str]:
    """The comma-separated variant names, each checked."""
    picked = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in picked if n not in VARIANTS]
    if unknown or not picked:
        raise InputError(key="err_eval_variant", name=repr(unknown[0] if unknown else names),
                         variants=", ".join(VARIANTS))
    return picked


def by_length(rows: Sequence[SplitArticle], only: str | None) -> list[SplitArticle]:
    """All rows, or only the short or only the long articles."""
    if only is None:
        return list(rows)
    return [r for r in rows if (len(r.text) > LONG_CHARS) == (only == "long")]


def run_ablations(service, rows: Sequence[SplitArticle], names: Sequence[str],
                  template: str | None = None, progress: Progress = _no_progress
                  ) -> list[Ablation]:
    """Run each named variant (``template`` replaces every variant's prompt)."""
    shipped = get_task("summarize")
    out = []
    for name in names:
        condensed, preset = VARIANTS[name]
        task = shipped if condensed else replace(shipped, condense_chars=WHOLE)
        result = run_summaries(service, rows, progress, template or task.preset(preset), task)
        old = group_scores([whole_sentences(str(r["raw"])) for r in result.records], rows)
        out.append(Ablation(name, result, old))
    return out


def format_ablation(ablation: Ablation) -> str:
    """One variant's settings and its figures, shipped cleaning beside the old one."""
    result = ablation.result
    chars = int(result.settings["condense_chars"])  # type: ignore[call-overload]
    how = "sent whole" if chars >= WHOLE else f"condensed above {chars} characters"
    lines = [f"{ablation.name} ({how}): {result.rows} articles, {result.seconds:.0f} s",
             f"  {'figure':<26}{'shipped':>9}{'old clean':>10}"]
    lines += [f"  {key:<26}{value:>9.3f}{ablation.old_cleaning.get(key, float('nan')):>10.3f}"
              for key, value in result.metrics.items()]
    return "\n".join(lines)
