"""Measure task quality: data loaders, metrics, baselines and per-task runners."""

from .datasets import LOADERS, Article, QAExample, SentimentExample
from .runners import RUNNERS, EvalResult, run_qa, run_sst2, run_summarize

__all__ = ["LOADERS", "RUNNERS", "Article", "EvalResult", "QAExample", "SentimentExample",
           "run_qa", "run_sst2", "run_summarize"]
