"""``python -m lmdemo eval summaries``: issue 12's summary figures, per split of an article set.

Each article of ``lmdemo/eval/data/summaries.jsonl`` is in the ``dev`` split (used while tuning the
task) or the ``test`` split (scored, never tuned on). For each split this prints how many
summaries loop, the share that copy the lead sentence, the share that are faithful, and
their mean length; the definitions are in ``lmdemo.eval.metrics`` (``summary_health``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..tasks import get_task
from . import metrics
from .baselines import first_sentence
from .datasets import PACKAGE_DATA, text_objects
from .runners import EvalResult, Progress, _no_progress, task_params

if TYPE_CHECKING:
    from ..tasks import TaskService
    from ..tasks.catalog.summarize import SummarizeTask

SUMMARY_DATA = PACKAGE_DATA / "summaries.jsonl"
SPLITS = ("dev", "test")
LONG_CHARS = 2000  # an article longer than this counts as long in the per-length figures


@dataclass(frozen=True)
class SplitArticle:
    """An article to summarise and the split it belongs to."""

    id: str
    split: str
    text: str


def load_summary_articles(path: Path) -> list[SplitArticle]:
    """JSON lines ``{"id", "split", "text"}``; ``split`` is dev or test (default dev)."""
    rows = []
    for n, item in text_objects(path):
        split = str(item.get("split", "dev"))
        if split not in SPLITS:
            raise InputError(key="err_data_split", path=path, line=n,
                             splits=", ".join(SPLITS), split=repr(split))
        rows.append(SplitArticle(str(item.get("id", n)), split, str(item["text"]).strip()))
    return rows


def group_scores(summaries: Sequence[str], rows: Sequence[SplitArticle]) -> dict[str, float]:
    """``summary_health`` for each split, and for short and long articles of each split,
    keyed ``"dev loops"``, ``"dev long faithful"``... (a group with no rows is left out)."""
    scores: dict[str, float] = {}
    for split in SPLITS:
        for size in ("", "short", "long"):
            picked = [i for i, row in enumerate(rows) if row.split == split and (
                not size or (len(row.text) > LONG_CHARS) == (size == "long"))]
            if not picked:
                continue
            name = f"{split} {size}".strip()
            scores[f"{name} n"] = float(len(picked))
            health = metrics.summary_health([summaries[i] for i in picked],
                                            [rows[i].text for i in picked])
            scores.update({f"{name} {key}": value for key, value in health.items()})
    return scores


def run_summaries(service: TaskService, rows: Sequence[SplitArticle],
                  progress: Progress = _no_progress, template: str | None = None,
                  task: SummarizeTask | None = None) -> EvalResult:
    """Summarise every article with the task's defaults; baseline: the lead sentence.

    ``task`` is the summarize task by default, or a copy with other settings (the
    ablations). Requests go to the engine a batch at a time (the app batches its users'
    requests the same way), so a run over the whole set takes minutes, not an hour, on a CPU.
    """
    task = task or get_task("summarize")
    start = time.perf_counter()
    params = task_params("summarize")
    batch = max(1, service.config.max_batch)
    records: list[dict[str, object]] = []
    for first in progress(range(0, len(rows), batch)):
        chunk = rows[first:first + batch]
        runs = [service.run(task, row.text, params=params, template=template)
                for row in chunk]
        for row, task_run in zip(chunk, runs, strict=True):
            raw = task_run.request.result().text
            summary = str(task_run.postprocess(raw))
            records.append({
                "id": row.id, "split": row.split, "chars": len(row.text), "raw": raw,
                "summary": summary, "notice": task_run.notice,
                "raw_loop": metrics.has_loop(raw), "loop": metrics.has_loop(summary),
                "lead_copy": metrics.copies_lead(summary, row.text),
                "faithful": metrics.is_faithful(summary, row.text),
                "unsupported": metrics.unsupported_facts(summary, row.text),
                "words": metrics.word_count(summary)})
    summaries = [str(r["summary"]) for r in records]
    scores = group_scores(summaries, rows)
    for split in SPLITS:  # loops in the raw continuations, before the task trims them
        if f"{split} n" in scores:
            scores[f"{split} raw_loops"] = float(sum(
                bool(r["raw_loop"]) for r in records if r["split"] == split))
    return EvalResult(
        task="summaries", model=service.runtime.model_name, rows=len(rows), metrics=scores,
        baseline=group_scores([first_sentence(row.text) for row in rows], rows),
        baseline_name="lead sentence (loops and empty are counts, the rest shares or means)",
        settings={"params": vars(params), "template": template or task.template,
                  "condense_chars": task.condense_chars},
        records=records, seconds=time.perf_counter() - start)
