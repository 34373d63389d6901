"""``python -m lmdemo eval all --model NAME``: every task's evaluation, one table.

Sentiment (SST-2 dev), Q&A (the grounded test file), extraction (both splits) and summaries
(both splits), each through the same service as the app, on one loaded model. The table
names the model, the CPU, the date and the command, so a figure can be traced and rerun.
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .datasets import DEFAULT_DATA, QA_TEST
from .extract import DATA as EXTRACT_DATA
from .runners import EvalResult
from .summaries import SUMMARY_DATA

# (runner name, what the table calls it, its data file, the metrics the table shows)
SUITE: tuple[tuple[str, str, Path, tuple[str, ...]], ...] = (
    ("sst2", "sentiment", DEFAULT_DATA["sst2"], ("accuracy",)),
    ("qa", "Q&A", QA_TEST, ("exact_match", "f1", "answerable_abstained",
                            "no_answer_recognised")),
    ("extract", "extraction", EXTRACT_DATA, ("test recall", "test precision",
                                             "test grounded", "dev recall", "dev precision")),
    ("summaries", "summaries", SUMMARY_DATA, ("test loops", "test lead_copy", "test faithful",
                                              "test mean_words", "dev loops", "dev faithful")),
)


@dataclass(frozen=True)
class Header:
    """Where and how the table was made."""

    model: str
    cpu: str
    date: str
    command: str
    seconds: float = 0.0


def cpu_name() -> str:
    """The CPU's model name, its logical cores and torch's thread count."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import torch

    return f"{name}, {os.cpu_count()} logical cores, {torch.get_num_threads()} torch thread(s)"


def header(model: str, seconds: float, argv: Sequence[str] | None = None) -> Header:
    """The table's header for this run (the command as typed after ``python -m lmdemo``)."""
    args = sys.argv[1:] if argv is None else argv
    return Header(model, cpu_name(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                  shlex.join(["python", "-m", "lmdemo", *args]), seconds)


def run_suite(service, runners: Mapping[str, Callable[..., EvalResult]],
              loaders: Mapping[str, Callable[[Path], list]], limit: int | None = None,
              progress: Callable[[str], Callable] | None = None
              ) -> list[tuple[str, Path, EvalResult]]:
    """Each task of ``SUITE`` on its data (its first ``limit`` rows when given)."""
    out = []
    for name, _, path, _ in SUITE:
        rows = loaders[name](path)[:limit]
        kwargs = {"progress": progress(name)} if progress else {}
        out.append((name, path, runners[name](service, rows, **kwargs)))
    return out


def _value(key: str, x: float | None) -> str:
    """Shares with three decimals; counts as whole numbers; a mean length with one."""
    if x is None or x != x:  # nan: a score over no rows
        return "–"
    if key.endswith(("loops", "empty", "_rows")):
        return f"{x:.0f}"
    return f"{x:.1f}" if key.endswith("mean_words") else f"{x:.3f}"


def format_table(head: Header, results: Sequence[tuple[str, Path, EvalResult]]) -> str:
    """One Markdown table: task, data, rows, metric, the model's score and the baseline's."""
    shown = {name: (label, keys) for name, label, _, keys in SUITE}
    lines = [f"Model: `{head.model}`  ",
             f"CPU: {head.cpu}  ",
             f"Date: {head.date}" + (f", {head.seconds:.0f} s" if head.seconds else "") + "  ",
             f"Command: `{head.command}`", "",
             "| task | data | rows | metric | model | baseline |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, path, result in results:
        label, keys = shown.get(name, (name, tuple(result.metrics)))
        for key in keys:
            if key not in result.metrics:
                continue
            lines.append(f"| {label} | {path.name} | {result.rows} | {key} | "
                         f"{_value(key, result.metrics[key])} | "
                         f"{_value(key, result.baseline.get(key))} |")
    baselines = "; ".join(f"{shown.get(n, (n,))[0]}: {r.baseline_name}" for n, _, r in results)
    lines += ["", f"Baselines: {baselines}."]
    return "\n".join(lines)
