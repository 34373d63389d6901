"""Several models in one process: a Runtime per model, and the model each visitor picked.

``--models gemma-3-270m,smollm2-135m-instruct`` (or ``LMDEMO_MODELS``) names the models one
app offers; the first is the default. Each model gets a Runtime of its own (its own engine,
so the fairness rules hold within each), made and loaded on first use. Past
``max_models`` loaded at once, the least recently used idle one is closed: a model that is
running or queueing requests is never evicted, so nobody's generation is cut off; when all
are busy, a visitor asking for one more is told to wait.

Every layer above takes "a Runtime". ``VisitorRuntime`` is one: it forwards each use to the
runtime of the model the current visitor picked (``Shelf.choose``), or the default one. The
visitor is found by a function the UI gives (Gradio's request of the running event); the
core never imports gradio. Without ``--models`` the shelf holds the one model lmdemo has
always had (gpt2 when it can be had, else the bundled model), under the name "".
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from .config import AppConfig
from .errors import BusyError, UnknownModelError
from .models.catalog import ALIASES
from .runtime import Runtime
from .sessions import current_owner, current_scope

log = logging.getLogger(__name__)
DEFAULT = ""  # the shelf's name for "the default plan" when --models is not given
# Sessions whose pick is remembered; past this the oldest pick is forgotten (the visitor
# then gets the default model back, and can pick again).
MAX_CHOICES = 10_000

RuntimeFactory = Callable[[AppConfig], Runtime]


def model_names(config: AppConfig) -> tuple[str, ...]:
    """The names the app offers, the default first (``("",)`` without ``--models``)."""
    return config.models or ((config.model or DEFAULT),)


class Shelf:
    """The runtimes of the models this app offers, loaded lazily, evicted LRU."""

    def __init__(self, config: AppConfig, make: RuntimeFactory | None = None, *,
                 background: bool = False,
                 visitor: Callable[[], str | None] = current_owner):
        self.config = config
        self.names = model_names(config)
        self.max_models = max(1, config.max_models)
        self._make = make or (lambda cfg: Runtime(cfg, background=background))
        self._visitor = visitor
        self._lock = threading.Lock()
        # name -> runtime, least recently used first
        self._live: collections.OrderedDict[str, Runtime] = collections.OrderedDict()
        self._choices: collections.OrderedDict[str, str] = collections.OrderedDict()
        self._held: collections.Counter[str] = collections.Counter()  # see holding()
        self._started = False
        self._closed = False

    @property
    def default(self) -> str:
        """The first model named: what a visitor gets until they pick another."""
        return self.names[0]

    @property
    def several(self) -> bool:
        """True when the app offers more than one model (the page shows a picker)."""
        return len(self.names) > 1

    def check(self) -> None:
        """Raise now for any name that is no model (cheap: nothing loads)."""
        for name in self.names:
            self._make(self._config_for(name)).check()

    def name_of(self, requested: str | None) -> str:
        """The offered name ``requested`` stands for (a catalogue alias is accepted); raises
        UnknownModelError naming the choices when this app does not offer it."""
        wanted = (requested or "").strip()
        if not wanted:
            return self.default
        if wanted in self.names:
            return wanted
        canonical = ALIASES.get(wanted, wanted)
        for name in self.names:
            if ALIASES.get(name, name) == canonical:
                return name
        raise UnknownModelError(key="err_model_not_offered", name=wanted,
                                choices=", ".join(self.names))

    # ---- runtimes --------------------------------------------------------------------------
    def runtime(self, name: str | None = None) -> Runtime:
        """The runtime of ``name`` (default: the default model), made and started on first
        use; marks it most recently used and evicts idle ones past ``max_models``."""
        name = self.name_of(name)
        evicted: list[Runtime] = []
        with self._lock:
            if self._closed:
                raise BusyError(key="err_busy")
            runtime = self._live.get(name)
            if runtime is None:
                evicted = self._make_room()
                runtime = self._make(self._config_for(name))
                self._live[name] = runtime
                if self._started:
                    runtime.start()
            self._live.move_to_end(name)
        for old in evicted:
            old.close()
        return runtime

    def _make_room(self) -> list[Runtime]:
        """Take out the idle runtimes to close so one more fits (least recently used first);
        raises BusyError, taking out none, when the busy ones alone fill the shelf."""
        idle = [name for name, runtime in self._live.items()
                if not self._held[name] and not runtime_busy(runtime)]
        excess = len(self._live) + 1 - self.max_models
        if excess <= 0:
            return []
        if len(idle) < excess:
            raise BusyError(key="err_models_busy", count=self.max_models,
                            loaded=", ".join(n or "(default)" for n in self._live))
        for name in idle[:excess]:
            log.info("Closing model %s: %d models is the most this app holds at once "
                     "(LMDEMO_MAX_MODELS)", name or "(default)", self.max_models)
        return [self._live.pop(name) for name in idle[:excess]]

    @contextmanager
    def holding(self, names: Sequence[str]) -> Iterator[list[Runtime]]:
        """The runtimes of ``names``, none of which is evicted while the block runs, even
        idle: a comparison loads its second model without closing its first."""
        names = [self.name_of(name) for name in names]
        with self._lock:
            self._held.update(names)
        try:
            yield [self.runtime(name) for name in names]
        finally:
            with self._lock:
                self._held.subtract(names)

    def peek(self, name: str) -> Runtime | None:
        """The runtime of ``name`` if it has one now; makes none and marks none used."""
        with self._lock:
            return self._live.get(name)

    def loaded_names(self) -> list[str]:
        """Names with a runtime now, least recently used first."""
        with self._lock:
            return list(self._live)

    def start(self) -> None:
        """Start loading the default model in the background (the page's first model)."""
        with self._lock:
            self._started = True
        self.runtime(self.default).start()

    # ---- the visitor's pick -----------------------------------------------------------------
    def choose(self, session: str | None, requested: str | None) -> str:
        """Remember that ``session`` picked ``requested``; returns the offered name. A
        session of None (no visitor) changes nothing."""
        name = self.name_of(requested)
        if session:
            with self._lock:
                self._choices[session] = name
                self._choices.move_to_end(session)
                while len(self._choices) > MAX_CHOICES:
                    self._choices.popitem(last=False)
        return name

    def chosen(self, session: str | None = None) -> str:
        """The model ``session`` (default: the current visitor) picked, or the default."""
        session = session if session is not None else self._visitor()
        with self._lock:
            return self._choices.get(session or "", self.default)

    def forget(self, session: str) -> None:
        """Drop a session's pick (its page closed)."""
        with self._lock:
            self._choices.pop(session, None)

    def current(self) -> Runtime:
        """The runtime of the model the current visitor picked. Within one event it stays
        the model the event first used: a pick made while a generation streams applies to
        the next event, and never mixes two models in one answer."""
        scope = current_scope()
        name = self.chosen() if scope is None else scope.fixed(self, self.chosen)
        return self.runtime(name)

    def close(self) -> None:
        """Close every runtime."""
        with self._lock:
            self._closed = True
            runtimes = list(self._live.values())
            self._live.clear()
        for runtime in runtimes:
            runtime.close()

    def _config_for(self, name: str) -> AppConfig:
        # models stays: the runtime's banner says its model is one the app offers
        return self.config.with_overrides(model=name or self.config.model)


def runtime_busy(runtime: Runtime) -> bool:
    """True while ``runtime`` is loading, or its engine runs or queues requests."""
    if runtime.loading:
        return True
    backend = runtime.started_backend
    if backend is None:
        return False
    stats = getattr(backend, "stats", None)
    if stats is None:  # a remote backend: the server holds the work, not this process
        return False
    counts = stats()
    return bool(counts.get("waiting", 0) + counts.get("paused", 0) + counts.get("running", 0))


class VisitorRuntime:
    """A Runtime that forwards every use to the current visitor's pick on ``shelf``."""

    def __init__(self, shelf: Shelf):
        self.shelf = shelf

    def __getattr__(self, attribute: str) -> object:
        return getattr(self.shelf.current(), attribute)

    def check(self) -> None:
        """Check every model the shelf offers."""
        self.shelf.check()

    def start(self) -> None:
        """Start loading the default model."""
        self.shelf.start()

    def close(self) -> None:
        """Close every model's runtime."""
        self.shelf.close()

