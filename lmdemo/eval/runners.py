"""Run one task over a data set through TaskService, exactly as the app runs it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from ..params import make_params
from ..tasks import get_task
from . import metrics
from .baselines import first_sentence, majority_label
from .datasets import Article, QAExample, SentimentExample

if TYPE_CHECKING:
    from ..tasks import TaskService

T = TypeVar("T")
Progress = Callable[[Iterable[T]], Iterable[T]]


def _no_progress(items: Iterable[T]) -> Iterable[T]:
    return items


@dataclass
class EvalResult:
    """Scores of the model and of a trivial baseline on the same rows, plus each output."""

    task: str
    model: str
    rows: int
    metrics: dict[str, float]
    baseline: dict[str, float]
    baseline_name: str
    settings: dict[str, object] = field(default_factory=dict)
    records: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0


def task_params(name: str):
    """The decoding settings the app uses by default for a generative task."""
    return make_params(**get_task(name).defaults)


def run_sst2(service: TaskService, rows: Sequence[SentimentExample],
             progress: Progress = _no_progress, template: str | None = None) -> EvalResult:
    """Accuracy of calibrated label-word sentiment; baseline: the majority class."""
    start = time.perf_counter()
    records: list[dict[str, object]] = []
    for row in progress(rows):
        result = service.sentiment(row.text, template)
        predicted = int(result.label == "positive")
        records.append({"text": row.text, "label": row.label, "predicted": predicted,
                        "positive": round(result.calibrated["positive"], 4),
                        "raw_positive": round(result.raw["positive"], 4)})
    labels = [row.label for row in rows]
    majority = majority_label(labels)
    return EvalResult(
        task="sst2", model=service.runtime.model_name, rows=len(rows),
        metrics={"accuracy": metrics.accuracy([r["predicted"] for r in records], labels)},
        baseline={"accuracy": metrics.accuracy([majority] * len(labels), labels)},
        baseline_name=f"majority class ({'positive' if majority else 'negative'})",
        records=records, seconds=time.perf_counter() - start)


def run_qa(service: TaskService, rows: Sequence[QAExample],
           progress: Progress = _no_progress, template: str | None = None,
           spans: bool = True) -> EvalResult:
    """Answerable rows: exact match and token F1; unanswerable rows: the share answered "".

    Both halves are printed, so neither is bought at the other's expense unseen:
    ``answerable_abstained`` is the share of answerable questions the model left empty.
    Baseline: the context's first sentence (it never abstains).
    """
    start = time.perf_counter()
    params = task_params("answer")
    records: list[dict[str, object]] = []
    for row in progress(rows):
        run = service.run("answer", row.context, row.question, spans, params=params,
                          template=template)
        answer = str(run.answer())
        record: dict[str, object] = {"question": row.question, "answers": list(row.answers),
                                     "answerable": row.answerable, "predicted": answer}
        if row.answerable:
            record.update(em=metrics.exact_match(answer, row.answers),
                          f1=round(metrics.token_f1(answer, row.answers), 4))
        else:
            record.update(no_answer=float(answer == ""))
        choice = getattr(run, "choice", None)  # span mode: why this answer
        if choice is not None:
            record.update(best_span=choice.best.text if choice.best else None,
                          best_score=round(choice.best.score, 4) if choice.best else None,
                          no_answer_score=round(choice.no_answer.score, 4),
                          question_words_in_text=round(choice.covered, 4))
        records.append(record)
    leads = [first_sentence(row.context) for row in rows]
    return EvalResult(
        task="qa", model=service.runtime.model_name, rows=len(rows),
        metrics=qa_scores([str(r["predicted"]) for r in records], rows),
        baseline=qa_scores(leads, rows),
        baseline_name="first sentence of the context",
        settings={"params": vars(params), "spans": spans,
                  "template": template or get_task("answer").template},
        records=records, seconds=time.perf_counter() - start)


def qa_scores(predictions: Sequence[str], rows: Sequence[QAExample]) -> dict[str, float]:
    """Answerable and unanswerable halves scored apart, with how many rows each has."""
    pairs = list(zip(predictions, rows, strict=True))
    answerable = [(p, r) for p, r in pairs if r.answerable]
    unanswerable = [p for p, r in pairs if not r.answerable]
    scores = {"answerable_rows": float(len(answerable))}
    if answerable:  # a score over no rows would read as a real 0.0
        scores.update(
            exact_match=metrics.mean([metrics.exact_match(p, r.answers) for p, r in answerable]),
            f1=metrics.mean([metrics.token_f1(p, r.answers) for p, r in answerable]),
            answerable_abstained=metrics.mean([float(p == "") for p, _ in answerable]))
    scores["unanswerable_rows"] = float(len(unanswerable))
    if unanswerable:
        scores["no_answer_recognised"] = metrics.mean([float(p == "") for p in unanswerable])
    return scores


def run_summarize(service: TaskService, rows: Sequence[Article],
                  progress: Progress = _no_progress, template: str | None = None) -> EvalResult:
    """Length, completeness, repetition and faithfulness; baseline: the lead sentence."""
    start = time.perf_counter()
    params = task_params("summarize")
    records: list[dict[str, object]] = []
    for row in progress(rows):
        summary = service.run("summarize", row.text, params=params, template=template).answer()
        records.append({
            "id": row.id, "summary": summary,
            "length_ratio": round(metrics.length_ratio(summary, row.text), 4),
            "complete_sentence": metrics.ends_complete_sentence(summary),
            "repeated_trigram": round(metrics.repeated_trigram_rate(summary), 4),
            "faithfulness": metrics.faithfulness(summary, row.text),
            "unsupported": metrics.unsupported_facts(summary, row.text),
        })
    texts = [row.text for row in rows]
    return EvalResult(
        task="summarize", model=service.runtime.model_name, rows=len(rows),
        metrics=metrics.summary_scores([str(r["summary"]) for r in records], texts),
        baseline=metrics.summary_scores([first_sentence(t) for t in texts], texts),
        baseline_name="lead sentence",
        settings={"params": vars(params), "template": template or get_task("summarize").template},
        records=records, seconds=time.perf_counter() - start)


RUNNERS = {"sst2": run_sst2, "qa": run_qa, "summarize": run_summarize}
# which task's prompt presets apply to each evaluation
PRESET_TASKS = {"qa": "answer", "summarize": "summarize"}
