"""The task layer's one entry point: validate inputs, build prompts, run them on the engine.

The UI, the API and the evaluation harness all go through this class, so a prompt or a
check changes in one place.
"""

from __future__ import annotations

import threading

from ..config import AppConfig
from ..engine import Engine
from ..errors import InputError
from ..models import LoadedModel, ModelManager
from ..params import SamplingParams
from . import sentiment
from .base import TaskRun, TextTask, build_prompt, start
from .catalog import GENERATE, LANGUAGES, QA, SUMMARIZE, TRANSLATE, translation_examples
from .prompts import check_text

SENTIMENT = TextTask(name="sentiment", template=sentiment.TEMPLATE, required=("text",),
                     trim_slot="text")


class TaskService:
    """Runs every task on the process's live model and shared engine."""

    def __init__(self, config: AppConfig, manager: ModelManager | None = None):
        self.config = config
        self.manager = manager or ModelManager(config)
        self._engine: Engine | None = None
        self._scorer: sentiment.SentimentScorer | None = None
        self._lock = threading.Lock()

    # ---- lifecycle ----------------------------------------------------------------------
    @property
    def loaded(self) -> LoadedModel:
        """The live model (loaded on first use)."""
        return self.manager.get()

    @property
    def engine(self) -> Engine:
        """The shared engine (started on first use)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = Engine(self.loaded, self.config.max_batch, self.config.max_queue)
        return self._engine

    @property
    def scorer(self) -> sentiment.SentimentScorer:
        """The label-word scorer for the live model."""
        if self._scorer is None:
            with self._lock:
                if self._scorer is None:
                    self._scorer = sentiment.SentimentScorer(self.loaded, self.engine.encode)
        return self._scorer

    def close(self) -> None:
        """Stop the engine's worker."""
        if self._engine is not None:
            self._engine.close()

    def _text(self, value: object, label: str) -> str:
        return check_text(value, label, self.config.max_input_chars)

    # ---- tasks --------------------------------------------------------------------------
    def generate(self, text: object, params: SamplingParams, template: str | None = None
                 ) -> TaskRun:
        """Free continuation of ``text``."""
        return start(self.engine, GENERATE, {"text": self._text(text, "prompt")}, params, template)

    def summarize(self, article: object, params: SamplingParams, template: str | None = None
                  ) -> TaskRun:
        """A TL;DR summary of ``article``."""
        values = {"article": self._text(article, "article")}
        return start(self.engine, SUMMARIZE, values, params, template)

    def answer(self, context: object, question: object, params: SamplingParams,
               template: str | None = None) -> TaskRun:
        """Answer ``question`` from ``context``."""
        values = {"context": self._text(context, "context"),
                  "question": self._text(question, "question")}
        return start(self.engine, QA, values, params, template)

    def translate(self, text: object, language: object, params: SamplingParams,
                  template: str | None = None) -> TaskRun:
        """Translate English ``text`` into ``language``."""
        language = check_language(language)
        values = {"text": self._text(text, "text to translate"), "language": language,
                  "examples": translation_examples(language)}
        return start(self.engine, TRANSLATE, values, params, template)

    def sentiment(self, text: object, template: str | None = None, calibrate: bool = True
                  ) -> sentiment.SentimentResult:
        """Label-word sentiment of ``text`` (positive/negative probabilities)."""
        template = template or sentiment.TEMPLATE
        values = {"text": self._text(text, "text")}
        prompt, _ = build_prompt(self.engine, SENTIMENT, values, 1, template)
        return self.scorer.score(prompt, template, calibrate)


def check_language(language: object) -> str:
    """Match a target language name case-insensitively, or say which ones exist."""
    if isinstance(language, str):
        for name in LANGUAGES:
            if name.lower() == language.strip().lower():
                return name
    raise InputError(f"Unknown target language {language!r}. Choose one of: "
                     f"{', '.join(LANGUAGES)}.")
