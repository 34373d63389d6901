"""What a caller gets back from the engine: a handle that streams events and can cancel."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import LMDemoError
from ..notices import Notice, join_notices
from ..params import SamplingParams


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


class Request:
    """A submitted generation: iterate it for TokenEvents, then read ``completion``."""

    def __init__(self, prompt_ids: list[int], params: SamplingParams, max_new_tokens: int,
                 notices: tuple[Notice, ...] = ()):
        self.prompt_ids = prompt_ids
        self.params = params
        self.max_new_tokens = max_new_tokens
        self.notices = notices
        self.submitted = time.perf_counter()
        self.completion: Completion | None = None
        self._events: queue.Queue[object] = queue.Queue()
        self._cancel = threading.Event()
        self.error: BaseException | None = None

    @property
    def notice(self) -> str:
        """What the caller should know (the input was cut...), in English, as one line."""
        return join_notices(self.notices)

    @property
    def cancelled(self) -> bool:
        """True once ``cancel`` was called."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the engine to drop this request; its slot is freed within one step."""
        self._cancel.set()

    # engine side
    def _emit(self, event: TokenEvent) -> None:
        self._events.put(event)

    def _finish(self, completion: Completion, error: BaseException | None = None) -> None:
        self.completion = completion
        self.error = error
        self._events.put(_DONE)

    # caller side
    def chunks(self) -> Iterator[list[TokenEvent]]:
        """Yield lists of every event waiting at that moment (at least one each).

        A consumer slower than the engine (a browser stream on a busy server) then gets one
        update per turn with all the new tokens, rather than falling further behind.
        """
        try:
            while True:
                chunk = [self._events.get()]  # wait for one, then take whatever else is there
                while chunk[-1] is not _DONE and not self._events.empty():
                    chunk.append(self._events.get_nowait())  # this is the only reader
                done = chunk[-1] is _DONE
                if done:
                    chunk.pop()
                if chunk:
                    yield chunk  # type: ignore[misc]
                if done:
                    break
        finally:
            # A caller that stops iterating early (Stop button, closed tab) frees the slot.
            if self.completion is None:
                self.cancel()
        if self.error is not None:
            if isinstance(self.error, LMDemoError):
                raise self.error
            raise LMDemoError(f"Generation failed: {self.error}") from self.error

    def __iter__(self) -> Iterator[TokenEvent]:
        chunks = self.chunks()
        try:
            for chunk in chunks:
                yield from chunk
        finally:
            chunks.close()

    def result(self) -> Completion:
        """Wait for the end and return the Completion."""
        for _ in self:
            pass
        assert self.completion is not None
        return self.completion
