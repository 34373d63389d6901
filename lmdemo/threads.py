"""Which thread runs torch work, and why it matters on a small CPU.

PyTorch's CPU kernels run in OpenMP parallel regions. GNU OpenMP (libgomp, which PyTorch's
Linux wheels use) gives every thread that opens a parallel region its own team of helper
threads, and the team lives as long as that thread. While a process holds more OpenMP
threads than it has cores, libgomp makes idle helpers go to sleep almost at once instead of
spinning, so every parallel region then pays a wake-up. On the 2-core machine this project
is measured on, one float32 matmul on a second thread left the engine decoding at about 70%
of its speed for the rest of the process (``python -m lmdemo.bench.threads``).

So lmdemo keeps heavy torch work on one long-lived thread, the engine's worker: other
threads hand it jobs (``LoadedModel.run``). Work that runs before an engine exists (loading
a model, a benchmark's baseline) goes to a short-lived thread, whose team ends with it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Job:
    """One call handed to another thread; the caller waits for its value or its error."""

    def __init__(self, fn: Callable[[], object]):
        self._fn = fn
        self._done = threading.Event()
        self._value: object = None
        self._error: BaseException | None = None

    def run(self) -> None:
        """Run the call (on the thread that owns the work) and wake the caller."""
        try:
            self._value = self._fn()
        except BaseException as exc:  # handed to the caller, never lost in the worker
            self._error = exc
        finally:
            self._done.set()

    def wait(self) -> object:
        """Block until the job ran; return its value or raise its error."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


def in_own_thread(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run ``fn`` on a new thread that ends afterwards, taking its OpenMP team with it."""
    job = Job(lambda: fn(*args, **kwargs))
    thread = threading.Thread(target=job.run, name="lmdemo-oneshot", daemon=True)
    thread.start()
    thread.join()
    return job.wait()  # type: ignore[return-value]


class ComputeThread:
    """A long-lived thread that runs the torch work handed to it, one job at a time.

    The engine's worker plays this part when the model decodes in-process; this one serves
    the local weights' views when a remote server does the decoding.
    """

    def __init__(self, name: str = "lmdemo-compute"):
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            job.run()

    def call(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """Run ``fn(*args, **kwargs)`` on the thread; return its value or raise its error."""
        if threading.current_thread() is self._thread or self._closed:
            return fn(*args, **kwargs)
        job = Job(lambda: fn(*args, **kwargs))
        self._jobs.put(job)
        return job.wait()  # type: ignore[return-value]

    def close(self) -> None:
        """Finish the queued jobs, then end the thread."""
        self._closed = True
        self._jobs.put(None)
        self._thread.join(timeout=10)
