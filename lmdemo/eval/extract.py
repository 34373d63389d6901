"""``python -m lmdemo eval extract``: recall, precision and grounding of the Extract task.

The data (``lmdemo/eval/data/extract.jsonl``) holds short passages written for lmdemo, each with its
entities labelled and a ``split`` of ``dev`` (used while writing the prompt) or ``test``
(never tuned on). One run scores both splits; the baseline is the pattern pass alone (dates
and numbers by regular expression, no model). The model-only figures come from the same
generations, grounded without the pattern pass, and the "no candidates" figures from the same
generations without the typed candidates (``tasks.candidates``), so they cost no second run.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..tasks.extraction import TYPES, Entity, Extraction, ground, parse_lines, pattern_entities
from .metrics import mean
from .runners import EvalResult, Progress, _no_progress, task_params

if TYPE_CHECKING:
    from ..tasks import TaskService

DATA = Path(__file__).resolve().parent / "data" / "extract.jsonl"
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class Passage:
    """A passage, its labelled entities and its split."""

    id: str
    split: str
    text: str
    entities: tuple[Entity, ...]


def load_extract(path: Path) -> list[Passage]:
    """JSON lines ``{"id", "split", "text", "entities": [{"text", "type"}]}``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(key="err_data_missing", path=path)
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            entities = tuple(Entity(e["text"], e["type"]) for e in item["entities"])
            passage = Passage(str(item.get("id", n)), item["split"], item["text"], entities)
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(key="err_data_extract_row", path=path, line=n, reason=exc) from None
        bad = [e for e in entities if e.type not in TYPES or e.text not in passage.text]
        if passage.split not in SPLITS or bad:
            raise InputError(key="err_data_extract_entity", path=path, line=n,
                             check=repr(bad[:1] or passage.split))
        rows.append(passage)
    return rows


# ---- matching -------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff]")


def _norm(text: str) -> str:
    text = " ".join(text.lower().split()).strip(" .,;:!?\"'“”‘’()")
    return text[4:] if text.startswith("the ") else text


def _contains(outer: str, inner: str) -> bool:
    if _CJK.search(inner):
        return inner in outer
    return re.search(rf"(?<!\w){re.escape(inner)}(?!\w)", outer) is not None


def matches(predicted: Entity, gold: Entity, strict: bool = False) -> bool:
    """Same type, and the same text (strict) or one text a whole-word part of the other."""
    if predicted.type != gold.type:
        return False
    a, b = _norm(predicted.text), _norm(gold.text)
    if not a or not b:
        return False
    return a == b or (not strict and (_contains(a, b) or _contains(b, a)))


def score(predicted: Sequence[Entity], gold: Sequence[Entity], strict: bool = False
          ) -> tuple[int, int]:
    """(labelled entities found, predicted entities that match a label)."""
    found = sum(any(matches(p, g, strict) for p in predicted) for g in gold)
    right = sum(any(matches(p, g, strict) for g in gold) for p in predicted)
    return found, right


def grounded(extraction: Extraction) -> tuple[int, int]:
    """(entities whose text occurs verbatim in the whitespace-squeezed source, entities)."""
    source = " ".join(extraction.source.split())
    return sum(e.text in source for e in extraction.entities), len(extraction.entities)


def _ratio(pairs: Iterable[tuple[int, int]]) -> float:
    pairs = list(pairs)
    total = sum(b for _, b in pairs)
    return sum(a for a, _ in pairs) / total if total else float("nan")


def split_scores(records: Sequence[dict], key: str) -> dict[str, float]:
    """Micro-averaged recall and precision (``key`` names the prediction) over records."""
    return {
        "recall": _ratio((r[key]["found"], r["labelled"]) for r in records),
        "precision": _ratio((r[key]["right"], r[key]["returned"]) for r in records),
        "strict_recall": _ratio((r[key]["strict_found"], r["labelled"]) for r in records),
        "grounded": _ratio((r[key]["grounded"], r[key]["returned"]) for r in records),
    }


def by_type(predicted: Sequence[Entity], gold: Sequence[Entity]) -> dict[str, list[int]]:
    """Per type: [labels found, labels, predictions right, predictions] (a label is found
    only by a prediction of its own type, so the types add up to the totals)."""
    out = {}
    for kind in TYPES:
        mine = [p for p in predicted if p.type == kind]
        labels = [g for g in gold if g.type == kind]
        found, right = score(mine, labels)
        out[kind] = [found, len(labels), right, len(mine)]
    return out


def type_scores(records: Sequence[dict], key: str) -> dict[str, float]:
    """Micro-averaged recall and precision per type over records (``key``: the prediction)."""
    out = {}
    for kind in TYPES:
        counts = [r[key]["types"][kind] for r in records]
        out[f"{kind} recall"] = _ratio((c[0], c[1]) for c in counts)
        out[f"{kind} precision"] = _ratio((c[2], c[3]) for c in counts)
    return out


def _judge(extraction: Extraction, gold: Sequence[Entity]) -> dict[str, object]:
    found, right = score(extraction.entities, gold)
    strict_found, _ = score(extraction.entities, gold, strict=True)
    ok, returned = grounded(extraction)
    return {"found": found, "right": right, "strict_found": strict_found, "grounded": ok,
            "returned": returned, "types": by_type(extraction.entities, gold),
            "entities": [f"{e.type}: {e.text}" for e in extraction.entities]}


def run_extract(service: TaskService, rows: Sequence[Passage],
                progress: Progress = _no_progress, template: str | None = None) -> EvalResult:
    """Recall, precision and grounded share per split; baseline: the pattern pass alone."""
    start = time.perf_counter()
    params = task_params("extract")
    records: list[dict] = []
    # Queue every passage at once: the engine decodes them as one batch (greedy output is the
    # same as one at a time), which on a CPU takes a fraction of the time of a loop.
    runs = [service.run("extract", row.text, params=params, template=template) for row in rows]
    for row, run in progress(list(zip(rows, runs, strict=True))):
        full = run.result
        model_only = ground(row.text, parse_lines(full.raw), full.raw, patterns=False)
        no_candidates = ground(row.text, parse_lines(full.raw), full.raw)
        patterns_only = Extraction(row.text, tuple(pattern_entities(row.text)), (), "", "")
        records.append({"id": row.id, "split": row.split, "labelled": len(row.entities),
                        "raw": full.raw, "dropped": list(full.dropped),
                        "keywords": list(full.keywords), "summary_line": full.summary_line,
                        "candidates": [{"text": c.text, "type": c.type, "kept": c.is_name,
                                        "logprobs": [round(x, 3) for x in c.logprobs]}
                                       for c in getattr(run, "scored", [])],
                        "app": _judge(full, row.entities),
                        "no_candidates": _judge(no_candidates, row.entities),
                        "model_only": _judge(model_only, row.entities),
                        "patterns_only": _judge(patterns_only, row.entities)})
    metrics: dict[str, float] = {}
    baseline: dict[str, float] = {}
    for split in SPLITS:
        part = [r for r in records if r["split"] == split]
        if not part:
            continue
        for name, value in split_scores(part, "app").items():
            metrics[f"{split} {name}"] = value
            baseline[f"{split} {name}"] = split_scores(part, "patterns_only")[name]
        for name in ("recall", "precision"):
            metrics[f"{split} {name} (no candidates)"] = split_scores(part, "no_candidates")[name]
            metrics[f"{split} {name} (model only)"] = split_scores(part, "model_only")[name]
        for name, value in type_scores(part, "app").items():
            metrics[f"{split} {name}"] = value
        metrics[f"{split} summary given"] = mean(bool(r["summary_line"]) for r in part)
    metrics["seconds per passage"] = (time.perf_counter() - start) / len(rows)
    return EvalResult(
        task="extract", model=service.runtime.model_name, rows=len(rows), metrics=metrics,
        baseline=baseline, baseline_name="the pattern pass alone (dates and numbers, no model)",
        settings={"params": vars(params), "template": template or "default"},
        records=records, seconds=time.perf_counter() - start)
