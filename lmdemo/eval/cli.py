"""``python -m lmdemo eval TASK``: load data, run the task through TaskService, print scores."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

from ..config import load_config
from ..errors import InputError
from ..tasks import get_task
from ..tasks.spans_scoring import MAX_STARTS, PRIOR_WEIGHT, Settings
from .datasets import DEFAULT_DATA, LOADERS
from .extract import DATA as EXTRACT_DATA
from .extract import load_extract, run_extract
from .runners import PRESET_TASKS, RUNNERS, EvalResult
from .summaries import SUMMARY_DATA, load_summary_articles, run_summaries
from .summary_ablations import VARIANTS

# issue 12's summary figures per split (lmdemo/eval/summaries.py)
RUNNERS = {**RUNNERS, "summaries": run_summaries}
LOADERS = {**LOADERS, "summaries": load_summary_articles}
DEFAULT_DATA = {**DEFAULT_DATA, "summaries": SUMMARY_DATA}
PRESET_TASKS = {**PRESET_TASKS, "summaries": "summarize"}

# Extraction scores its dev and test splits in one run (lmdemo/eval/extract.py).
RUNNERS = {**RUNNERS, "extract": run_extract}
LOADERS = {**LOADERS, "extract": load_extract}
DEFAULT_DATA = {**DEFAULT_DATA, "extract": EXTRACT_DATA}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of the ``eval`` subcommand."""
    parser.add_argument("task", choices=[*sorted(RUNNERS), *COMMANDS],
                        help="which task to evaluate; fit-abstain: fit the Q&A abstain "
                        "decision (issue 21); tune-qa, tune-extract: search the span scorer's "
                        "or the candidate typing's settings on dev; summary-ablations: the "
                        "summarize task's variants side by side; all: every task, one table")
    parser.add_argument("--data", type=Path, help="data file (default: the task's dev set: "
                        + ", ".join(f"{k}={v}" for k, v in DEFAULT_DATA.items()) + ")")
    parser.add_argument("--model", help="model name (default: the app's default model)")
    parser.add_argument("--offset", type=int, default=0, help="skip the first N rows "
                        "(e.g. to score a held-out part after tuning on the first rows)")
    parser.add_argument("--limit", type=int, help="score at most N rows")
    parser.add_argument("--json", type=Path, dest="json_out",
                        help="write scores, settings and every output to this JSON file")
    parser.add_argument("--threads", type=int, help="CPU threads for torch (on a busy, "
                        "shared CPU, 1 can be much faster than the default)")
    parser.add_argument("--preset", help="score a named prompt preset instead of the default "
                        "template, e.g. 'paper' for the GPT-2 paper's TL;DR or Q:/A: prompt")
    parser.add_argument("--generate", action="store_true", help="qa: let the model write "
                        "each answer instead of picking a span of the text (the ablation)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--features", type=Path, help="fit-abstain, tune-qa: the questions' "
                        "signals or span scores (written after the model runs; reused when the "
                        "file is there); tune-extract: an `eval extract --json` file")
    parser.add_argument("--svg", type=Path, help="fit-abstain --apply: also draw the "
                        "trade-off curve into this SVG file")
    parser.add_argument("--apply", action="store_true", help="fit-abstain: score the rule "
                        "shipped in lmdemo/tasks/catalog/answer.py instead of fitting one; "
                        "tune-qa: score the shipped span settings, no search")
    parser.add_argument("--starts", type=int, default=MAX_STARTS, help="tune-qa: start "
                        "words scored per question (more lets fewer be simulated; on saved "
                        "scores, at most as many as were collected)")
    parser.add_argument("--prior-weight", type=float, default=PRIOR_WEIGHT, help="tune-qa: "
                        "collect with this weight on each span's content-free prior; above 0 "
                        "the priors are scored and the search tries prior weights")
    parser.add_argument("--split", default="dev", help="tune-extract: the split of the "
                        "--features records to tune on (dev; score test once, after)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="summary-ablations: "
                        "which variants, comma-separated")
    parser.add_argument("--only", choices=("short", "long"), help="summary-ablations: only "
                        "the short or only the long articles")
    parser.add_argument("--template", type=Path, help="summary-ablations: score this "
                        "template file in every variant")


def run(args: argparse.Namespace) -> int:
    """Run one evaluation as described by parsed ``eval`` arguments; returns the exit code."""
    if args.task in COMMANDS:
        return COMMANDS[args.task](args)
    path = args.data or DEFAULT_DATA[args.task]
    rows = LOADERS[args.task](path)
    if args.offset < 0 or (args.limit is not None and args.limit < 1):
        raise InputError(key="err_eval_range")
    end = None if args.limit is None else args.offset + args.limit
    total, rows = len(rows), rows[args.offset:end]
    if not rows:
        raise InputError(key="err_eval_offset", path=path, total=total, offset=args.offset)
    if args.generate and args.task != "qa":
        raise InputError(key="err_eval_generate", task=args.task)
    options = {"spans": not args.generate} if args.task == "qa" else {}
    template = None
    if args.preset:
        if args.task not in PRESET_TASKS:
            raise InputError(key="err_eval_preset", tasks=", ".join(PRESET_TASKS), task=args.task)
        template = get_task(PRESET_TASKS[args.task]).preset(args.preset)
    service = open_service(args)
    try:
        result = RUNNERS[args.task](service, rows, progress=_progress(args, args.task),
                                    template=template, **options)
    finally:
        service.close()
    result.settings.update({"data": str(path), "offset": args.offset, "limit": args.limit,
                            "preset": args.preset or "default"})
    print(format_result(result))
    if args.json_out:
        args.json_out.write_text(json.dumps(asdict(result), indent=1, default=str) + "\n",
                                 encoding="utf-8")
    return 0


def open_service(args: argparse.Namespace):
    """A task service on the model and thread count the flags name."""
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    config = load_config([])
    if args.model:
        config = config.with_overrides(model=args.model)
    from ..runtime import Runtime  # torch and transformers: not needed for --help
    from ..tasks import TaskService

    return TaskService(Runtime(config))


def fit_abstain(args: argparse.Namespace) -> int:
    """Collect (or reuse) each question's signals; fit the rule, or score the shipped one."""
    from ..tasks.catalog import answer
    from . import abstain

    path = args.data or DEFAULT_DATA["qa"]
    if args.features and args.features.is_file():
        rows = abstain.from_json(json.loads(args.features.read_text(encoding="utf-8")))
    else:
        service = open_service(args)
        try:
            rows = abstain.collect(service, LOADERS["qa"](path)[args.offset:][:args.limit],
                                   _progress(args, "fit-abstain"))
        finally:
            service.close()
        if args.features:
            args.features.write_text(json.dumps(abstain.to_json(rows)) + "\n",
                                     encoding="utf-8")
    if args.apply:
        if answer.ABSTAIN is None:
            raise InputError(key="err_eval_no_rule")
        print(abstain.report(rows, answer.ABSTAIN, f"shipped rule on {path}", tuning=False))
        if args.svg:
            args.svg.write_text(abstain.curve_svg(
                abstain.curve(rows, answer.ABSTAIN), answer.ABSTAIN.threshold,
                f"{Path(path).name}: the shipped rule"), encoding="utf-8")
        return 0
    rule = abstain.fitted(rows)
    print(abstain.report(rows, rule, f"fitted on {path}"))
    print(abstain.as_code(rule))
    return 0


def eval_all(args: argparse.Namespace) -> int:
    """Every task's evaluation on one model, printed as one table (``eval.suite``)."""
    import time

    from . import suite

    if args.data or args.offset or args.preset or args.generate:
        raise InputError(key="err_eval_all_flags")
    start = time.perf_counter()
    service = open_service(args)
    try:
        results = suite.run_suite(service, RUNNERS, LOADERS, args.limit,
                                  lambda name: _progress(args, name))
        model = service.runtime.model_name
    finally:
        service.close()
    table = suite.format_table(suite.header(model, time.perf_counter() - start,
                                            getattr(args, "argv", None)), results)
    print(table)
    if args.json_out:
        args.json_out.write_text(json.dumps({"table": table, "results": [
            {"data": str(path), **asdict(result)} for _, path, result in results]},
            indent=1, default=str) + "\n", encoding="utf-8")
    return 0


def tune_qa(args: argparse.Namespace) -> int:
    """Collect (or reuse) every candidate span's scores; report the shipped settings and,
    unless ``--apply``, search the grid (``eval.tune_qa``)."""
    from . import tune_qa as tuning

    if args.starts < 1:
        raise InputError(key="err_eval_starts")
    path = args.data or DEFAULT_DATA["qa"]
    if args.features and args.features.is_file():
        rows, collected = tuning.from_json(json.loads(args.features.read_text(encoding="utf-8")))
        collected = replace(collected, max_starts=min(args.starts, collected.max_starts))
    else:
        collected = Settings(max_starts=args.starts, prior_weight=args.prior_weight)
        service = open_service(args)
        try:
            rows = tuning.collect(service, LOADERS["qa"](path)[args.offset:][:args.limit],
                                  collected, _progress(args, "tune-qa"))
        finally:
            service.close()
        if args.features:
            args.features.write_text(json.dumps(tuning.to_json(rows, collected)) + "\n",
                                     encoding="utf-8")
    if not rows:
        raise InputError(key="err_eval_no_rows", path=str(path))
    print(tuning.summary(rows, collected, args.apply))
    return 0


def tune_extract(args: argparse.Namespace) -> int:
    """Type the saved candidates again under every bias and bar (``eval.tune_extract``)."""
    from .tune_extract import report

    if not args.features or not args.features.is_file():
        raise InputError(key="err_eval_tune_extract_features")
    passages = {p.id: p for p in load_extract(args.data or EXTRACT_DATA)}
    records = [r for r in json.loads(args.features.read_text(encoding="utf-8"))["records"]
               if r["split"] == args.split]
    if not records:
        raise InputError(key="err_eval_no_records", path=str(args.features), split=repr(args.split))
    print(report(records, passages, args.split))
    return 0


def summary_ablations(args: argparse.Namespace) -> int:
    """Run the summarize variants on one model load and print them side by side."""
    from .summary_ablations import by_length, format_ablation, pick_variants, run_ablations

    names = pick_variants(args.variants)
    rows = by_length(load_summary_articles(args.data or SUMMARY_DATA), args.only)[:args.limit]
    if not rows:
        raise InputError(key="err_eval_no_articles")
    template = args.template.read_text(encoding="utf-8") if args.template else None
    service = open_service(args)
    try:
        ablations = run_ablations(service, rows, names, template,
                                  _progress(args, "summary-ablations"))
    finally:
        service.close()
    print("\n".join(format_ablation(a) for a in ablations))
    if args.json_out:
        args.json_out.write_text(json.dumps({a.name: asdict(a) for a in ablations}, indent=1,
                                            default=str) + "\n", encoding="utf-8")
    return 0


COMMANDS = {"fit-abstain": fit_abstain, "tune-qa": tune_qa, "tune-extract": tune_extract,
            "summary-ablations": summary_ablations, "all": eval_all}


def _progress(args: argparse.Namespace, desc: str):
    if args.no_progress:
        return lambda items: items
    from tqdm import tqdm

    return lambda items: tqdm(items, desc=desc, file=sys.stderr, unit="row")


def format_result(result: EvalResult) -> str:
    """A small text table: each metric for the model and for the baseline."""
    s = result.settings
    span = f"rows {s.get('offset', 0)}..{s.get('offset', 0) + result.rows - 1}"
    lines = [f"{result.task} on {s.get('data', '?')} ({span}, n={result.rows}), "
             f"model {result.model}, {result.seconds:.0f} s",
             f"{'metric':<22}{'model':>10}{'baseline':>10}"]
    for name, value in result.metrics.items():
        lines.append(f"{name:<22}{value:>10.3f}{result.baseline.get(name, float('nan')):>10.3f}")
    lines.append(f"baseline: {result.baseline_name}")
    return "\n".join(lines)
