"""The runtime: the model, tokenizer, backend and compute thread that every layer above shares.

Tasks, inspection views, the UI, the CLI and MCP all take one ``Runtime``. It owns who does
what, in the open:
- the **tokenizer** is always local, so budgets and the tokenizer view work with any backend;
- the **backend** turns prompts into token streams (the in-process engine, or a server);
- **local weights** (when there are any) serve the views that look inside the model;
- the **compute thread** runs that torch work: the engine's worker for the local backend,
  a thread of its own otherwise (see ``lmdemo.threads`` for why one thread).
Everything loads on first use, once, behind a lock; or, for the web app, in the background
(``start``): the server answers at once, and until the model is ready whatever needs it raises
ModelLoadingError naming the step under way (``status``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from .backends import Backend, LocalBackend
from .config import AppConfig
from .errors import (
    LMDemoError,
    ModelLoadError,
    ModelLoadingError,
    ParamError,
    UnavailableError,
)
from .models import LoadedModel, ModelManager, progress
from .models.forward import model_ids
from .models.progress import LoadStatus, LoadTracker
from .params import SamplingParams
from .threads import ComputeThread

T = TypeVar("T")
log = logging.getLogger(__name__)


class Runtime:
    """What one lmdemo process runs on; built from the config, started lazily."""

    def __init__(self, config: AppConfig, manager: ModelManager | None = None, *,
                 background: bool = False):
        """``background=True``: the model will load on a thread of its own (``start``); until
        it is ready, whatever needs it raises ModelLoadingError instead of waiting."""
        self.config = config
        self._manager = manager
        self._backend: Backend | None = None
        self._compute: ComputeThread | None = None
        self._memo: dict[str, object] = {}
        self._lock = threading.RLock()
        self._tracker = LoadTracker() if background else None
        self._loader: threading.Thread | None = None
        self._failure: LMDemoError | None = None  # why the background load failed
        self._closed = False

    # ---- starting ---------------------------------------------------------------------
    def check(self) -> None:
        """Raise now for an explicit model name that is no model, before anything is served."""
        if not self.config.backend:
            self.manager.check()

    def start(self) -> None:
        """Load the model (or connect to the server) on a thread of its own; return at once."""
        with self._lock:
            if self._loader is not None or self._backend is not None:
                return
            tracker = self._tracker = self._tracker or LoadTracker()
            self._loader = threading.Thread(target=self._load_in_background, args=(tracker,),
                                            name="lmdemo-load", daemon=True)
            self._loader.start()

    def _load_in_background(self, tracker: LoadTracker) -> None:
        try:
            with progress.watching(tracker.step):
                backend = self._start_backend()
        except LMDemoError as exc:
            log.error("The model could not be loaded: %s", exc)
            self._failure = exc
            tracker.finish(error=str(exc))
            return
        except Exception:  # a bug; without this the page would say "loading" for ever
            log.exception("Loading the model failed")
            self._failure = ModelLoadError(key="err_load_unexpected")
            tracker.finish(error=str(self._failure))
            return
        with self._lock:
            if self._closed:  # closed while loading: nobody will use or close it
                backend.close()
                return
            self._backend = backend  # before finish(): a request that sees READY finds it
        tracker.finish()
        log.info("Ready in %.1fs with %s via %s (%s)", tracker.status().seconds,
                 self.model_name, self.describe(), self.loaded.reason.text)

    @property
    def status(self) -> LoadStatus:
        """Where the background load stands (cheap). A runtime never ``start``-ed loads on
        first use instead, so it counts as ready."""
        return self._tracker.status() if self._tracker else LoadStatus(progress.READY)

    @property
    def loading(self) -> bool:
        """True while a background load runs (neither ready nor failed yet)."""
        return self._loader is not None and self._loader.is_alive()

    @property
    def started_backend(self) -> Backend | None:
        """The backend if it has started, without starting it (None before)."""
        return self._backend

    def wait_ready(self, timeout: float | None = None) -> LoadStatus:
        """Block until a background load is ready or failed (or ``timeout`` passes)."""
        return self._tracker.wait(timeout) if self._tracker else self.status

    # ---- what is live -------------------------------------------------------------------
    @property
    def backend(self) -> Backend:
        """The live backend (started on first use; loads the local model it needs). While a
        background load runs, raises ModelLoadingError instead of waiting for it."""
        if self._backend is None:
            if self._tracker is not None:
                self._refuse_unless_ready(self._tracker.status(), self._failure)
            with self._lock:
                if self._backend is None:
                    self._backend = self._start_backend()
        return self._backend

    @staticmethod
    def _refuse_unless_ready(status: LoadStatus, failure: LMDemoError | None) -> None:
        if status.stage == progress.FAILED:  # each request gets its own error, worded alike
            key = failure.key if failure and failure.key else "err_load_unexpected"
            raise ModelLoadError(key=key, **(failure.fields if failure else {}))
        if status.ready:
            return
        step = status.current
        # English names the stage and step as the log does (LoadStatus.describe); the table
        # words them from the keys in other languages
        named = {"step": step.what} if step else {}
        raise ModelLoadingError(
            stage=status.stage, stage_key=f"load_stage_{status.stage}",
            step_key=f"load_step_{step.key if step else 'wait'}",
            percent_text=f", {step.percent}%" if step and step.percent is not None else "",
            **named)

    def _start_backend(self) -> Backend:
        if self.config.backend:
            from .backends.openai import connect

            # The server decides which local model pairs with it (its tokenizer, and weights
            # with --model); the backend and the views must share that one manager.
            backend, self._manager = connect(self.config)
            return backend
        loaded = self.manager.get()
        progress.report_loading(2)
        return LocalBackend(loaded, self.config.max_batch, self.config.max_queue,
                                self.config.max_per_session)

    @property
    def manager(self) -> ModelManager:
        """Chooses and loads the local model (weights and tokenizer)."""
        if self._manager is None:
            self._manager = ModelManager(self.config)
        return self._manager

    @property
    def loaded(self) -> LoadedModel:
        """The local model: weights, tokenizer and context window."""
        self.backend  # noqa: B018 - a remote backend decides which local model to load
        return self.manager.get()

    @property
    def tokenizer(self) -> object:
        """The local tokenizer, used for budgets and the tokenizer view with every backend."""
        return self.loaded.tokenizer

    @property
    def context_window(self) -> int:
        """Tokens the prompt plus the answer may take."""
        return self.loaded.context_window

    @property
    def model_name(self) -> str:
        """The live model's short name."""
        return self.loaded.name

    @property
    def remote(self) -> bool:
        """True when a server, not this process, generates the text."""
        return self.backend.kind != "local"

    @property
    def reads_chinese(self) -> bool:
        """Whether the live model has seen enough Chinese for Chinese examples to make sense.

        Judged from its tokenizer: a vocabulary built on much Chinese text holds whole
        characters and words, so a sentence costs at most about one token per character
        (Gemma 3: 0.74 on this sample); GPT-2's byte-level BPE, trained on English web text,
        spends 2.05.
        """
        sample = "中国的首都是北京，长城有两万多公里长。"
        ids = self.tokenizer(sample, add_special_tokens=False)["input_ids"]  # type: ignore
        return len(ids) <= len(sample)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` as the model sees it (with <bos> where the model uses one)."""
        return model_ids(self.tokenizer, text)

    def check_params(self, params: SamplingParams) -> SamplingParams:
        """Apply this server's own cap on ``max_new_tokens`` (lower when hosted)."""
        cap = self.config.max_new_tokens
        if params.max_new_tokens > cap:
            raise ParamError("max_new_tokens", key="err_out_of_range_here",
                             label_key="param_max_new_tokens", low="1", high=str(cap),
                             value=str(params.max_new_tokens))
        return params

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """Per-runtime state a task keeps across calls (sentiment's scorer), made once.

        Keys are names fixed in the code, never user input, so this holds a handful of
        entries; anything keyed by input (a template) bounds itself (see SentimentScorer).
        """
        with self._lock:
            if key not in self._memo:
                self._memo[key] = make()
            return self._memo[key]  # type: ignore[return-value]

    # ---- local torch work -----------------------------------------------------------------
    def call(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """Run torch work on the compute thread and return its value (or raise its error)."""
        backend = self.backend
        if isinstance(backend, LocalBackend):
            return backend.call(fn, *args, **kwargs)
        with self._lock:
            if self._compute is None:
                self._compute = ComputeThread()
        return self._compute.call(fn, *args, **kwargs)

    def weights(self, feature: str) -> LoadedModel:
        """The local model for a view that reads its weights; says why when there are none."""
        loaded = self.loaded
        if getattr(loaded, "model", None) is None:
            raise UnavailableError(feature, key="err_no_local_weights")
        return loaded

    def require_logprobs(self, feature: str) -> None:
        """Raise UnavailableError when the backend returns no log-probabilities."""
        if not self.backend.capabilities.logprobs:
            raise UnavailableError(feature, key="err_no_logprobs_backend", backend=self.describe())

    def describe(self) -> str:
        """The backend in a few words, e.g. ``in-process engine`` or the server's URL."""
        backend = self.backend
        if isinstance(backend, LocalBackend):
            return "in-process engine"
        return f"{backend.model_name} at {self.config.backend}"

    def close(self) -> None:
        """Stop the backend and the compute thread."""
        with self._lock:
            self._closed = True
            if self._backend is not None:
                self._backend.close()
            if self._compute is not None:
                self._compute.close()
