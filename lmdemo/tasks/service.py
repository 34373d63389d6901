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
    def inputs(self, kind: str, *raw: object) -> tuple[TextTask, dict[str, str]]:
        """Validate a task's raw text inputs (in API order) into template slot values."""
        if kind == "generate":
            return GENERATE, {"text": self._text(raw[0], "prompt")}
        if kind == "summarize":
            return SUMMARIZE, {"article": self._text(raw[0], "article")}
        if kind == "answer":
            return QA, {"context": self._text(raw[0], "context"),
                        "question": self._text(raw[1], "question")}
        if kind == "translate":
            language = check_language(raw[1])
            return TRANSLATE, {"text": self._text(raw[0], "text to translate"),
                               "language": language, "examples": translation_examples(language)}
        raise InputError(f"Unknown task {kind!r}.")

    def preview(self, kind: str, *raw: object, max_new_tokens: int, template: str | None = None
                ) -> tuple[str, str]:
        """The exact prompt a task would send, and any notice about cutting it."""
        task, values = self.inputs(kind, *raw)
        return build_prompt(self.engine, task, values, max_new_tokens, template)

    def run(self, kind: str, *raw: object, params: SamplingParams, template: str | None = None
            ) -> TaskRun:
        """Start a generative task; iterate ``.stream()`` or call ``.answer()``."""
        task, values = self.inputs(kind, *raw)
        return start(self.engine, task, values, params, template)

    def generate(self, text: object, params: SamplingParams, template: str | None = None
                 ) -> TaskRun:
        """Free continuation of ``text``."""
        return self.run("generate", text, params=params, template=template)

    def summarize(self, article: object, params: SamplingParams, template: str | None = None
                  ) -> TaskRun:
        """A TL;DR summary of ``article``."""
        return self.run("summarize", article, params=params, template=template)

    def answer(self, context: object, question: object, params: SamplingParams,
               template: str | None = None) -> TaskRun:
        """Answer ``question`` from ``context``."""
        return self.run("answer", context, question, params=params, template=template)

    def translate(self, text: object, language: object, params: SamplingParams,
                  template: str | None = None) -> TaskRun:
        """Translate English ``text`` into ``language``."""
        return self.run("translate", text, language, params=params, template=template)

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
