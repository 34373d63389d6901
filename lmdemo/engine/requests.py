"""What a caller gets back from the engine: a handle that streams events and can cancel."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..errors import LMDemoError
from ..locales import english
from ..notices import Notice, join_notices
from ..params import SamplingParams
from ..sessions import track


@dataclass(frozen=True)
class TokenEvent:
    """One generated token: its id, the text it made visible, and how likely it was."""

    token_id: int
    text: str
    probability: float
    # the five most likely tokens at this step under the request's own sampling rules
    alternatives: tuple[tuple[int, float], ...] = ()


@dataclass
class Completion:
    """The finished result of one request."""

    text: str
    token_ids: list[int]
    finish_reason: str  # length | stop | eos | cancelled | error
    prompt_tokens: int
    notice: str = ""
    seconds: float = 0.0
    first_token_seconds: float | None = None
    events: list[TokenEvent] = field(default_factory=list)

    @property
    def tokens_per_second(self) -> float:
        """Decoding speed of this request, from submit to last token."""
        return len(self.token_ids) / self.seconds if self.seconds > 0 else 0.0


_DONE = object()
# Streams read with ``chunks(coalesce=True)`` get at most this many updates a second each,
# and all of them together at most SERVER_UPDATES: every update costs the server a thread
# hop, a serialisation and an event on the wire, on the cores that decode. Sixteen streams
# at 10 tokens a second each were 160 updates a second; coalesced, 60.
STREAM_UPDATES = 15.0
SERVER_UPDATES = 60.0
_readers = [0]  # coalescing readers open now (a list: mutated under _readers_lock)
_readers_lock = threading.Lock()
INTERNAL = english("err_internal")  # what a visitor reads when a step failed: en.json's words


class GenerationFailed(LMDemoError):
    """A step failed for a reason that is not the visitor's: they read the plain
    internal-error message; the engine logged the cause with its traceback."""

    default_key = "err_internal"

    def __init__(self) -> None:
        super().__init__()  # worded by its default_key


def update_interval() -> float:
    """Seconds between two updates of one coalescing stream, as many streams are open now."""
    return max(1 / STREAM_UPDATES, _readers[0] / SERVER_UPDATES)


class Request:
    """A submitted generation: iterate it for TokenEvents, then read ``completion``.

    The events can be read once (``chunks``, iteration); a second read raises. ``result``
    works before, during or after that read and returns the Completion.
    """

    def __init__(self, prompt_ids: list[int], params: SamplingParams, max_new_tokens: int,
                 notices: tuple[Notice, ...] = (), exact_odds: bool = False):
        self.prompt_ids = prompt_ids
        self.params = params
        # its probabilities are shown (the generation view): every step's whole row exact
        self.exact_odds = exact_odds
        self.max_new_tokens = max_new_tokens
        self.notices = notices
        self.submitted = time.perf_counter()
        self.completion: Completion | None = None
        self._events: queue.Queue[object] = queue.Queue()
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._read = False
        self.error: BaseException | None = None
        # set by the engine: takes a request that has not started out of its queue at once
        self.on_cancel: Callable[[], None] | None = None
        if not track(self):  # the UI event that makes it can cancel it; this one already did
            self._cancel.set()

    @property
    def notice(self) -> str:
        """What the caller should know (the input was cut...), in English, as one line."""
        return join_notices(self.notices)

    @property
    def cancelled(self) -> bool:
        """True once ``cancel`` was called."""
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        """True once the request has finished (any reason)."""
        return self._done.is_set()

    def cancel(self) -> None:
        """Ask the engine to drop this request: a waiting one leaves the queue at once, a
        running one frees its slot within one step."""
        if self._cancel.is_set() or self.done:
            return
        self._cancel.set()
        if self.on_cancel is not None:
            self.on_cancel()

    # producer side: the engine (or a backend) that writes the request
    def emit(self, event: TokenEvent) -> None:
        """Hand the reader one more token."""
        self._events.put(event)

    def finish(self, completion: Completion, error: BaseException | None = None) -> None:
        """End the request with its Completion (and the error that ended it, if any)."""
        self.completion = completion
        self.error = error
        self._done.set()
        self._events.put(_DONE)

    # caller side
    def chunks(self, coalesce: bool = False) -> Iterator[list[TokenEvent]]:
        """Yield lists of every event waiting at that moment (at least one each).

        A consumer slower than the engine (a browser stream on a busy server) then gets one
        update per turn with all the new tokens, rather than falling further behind.
        ``coalesce``: after the first chunk, wait until ``update_interval()`` has passed
        since the last one, gathering tokens, so a stream sends at most STREAM_UPDATES a
        second and all coalescing streams together about SERVER_UPDATES; the end is never
        held back. The events can be read once: a second read raises RuntimeError
        (``result`` still returns the Completion).
        """
        if self._read:
            raise RuntimeError("This request's events were already read; use result() or "
                               ".completion for the finished text.")
        self._read = True
        if coalesce:
            with _readers_lock:
                _readers[0] += 1
        last = None  # when the last chunk went out
        try:
            while True:
                chunk = [self._events.get()]  # wait for one, then take whatever else is there
                due = time.perf_counter() if last is None else last + update_interval()
                while chunk[-1] is not _DONE:
                    wait = due - time.perf_counter() if coalesce else 0.0
                    try:  # this is the only reader
                        chunk.append(self._events.get(timeout=wait) if wait > 0
                                     else self._events.get_nowait())
                    except queue.Empty:
                        break
                last = time.perf_counter()
                done = chunk[-1] is _DONE
                if done:
                    chunk.pop()
                if chunk:
                    yield chunk  # type: ignore[misc]
                if done:
                    break
        finally:
            if coalesce:
                with _readers_lock:
                    _readers[0] -= 1
            # A caller that stops iterating early (Stop button, closed tab) frees the slot.
            if self.completion is None:
                self.cancel()
        self._raise_error()

    def _raise_error(self) -> None:
        if self.error is None:
            return
        if isinstance(self.error, LMDemoError):
            raise self.error
        raise GenerationFailed() from self.error  # the engine logged it with its traceback

    def __iter__(self) -> Iterator[TokenEvent]:
        chunks = self.chunks()
        try:
            for chunk in chunks:
                yield from chunk
        finally:
            chunks.close()

    def result(self) -> Completion:
        """Wait for the end and return the Completion: before, during or after a read of
        the events, from any number of threads (it does not consume the events)."""
        self._done.wait()
        self._raise_error()
        assert self.completion is not None
        return self.completion
