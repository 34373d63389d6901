"""Where core errors become messages people read: LMDemoError -> gr.Error, in the visitor's
language, with one log line for a user's mistake and a traceback only for a bug."""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable, Generator

import anyio
import gradio as gr
from gradio.context import LocalContext

from ..errors import LMDemoError
from ..inputs import shorten
from ..locales import english
from ..sessions import Scope, acting_for
from .i18n import language_of, say, say_message
from .plain import error

log = logging.getLogger(__name__)
INTERNAL = english("err_internal")
# A rejected input is logged as one line: its message's start, never the visitor's text in
# full (messages quote at most lmdemo.inputs.SHOWN_CHARS characters of it).
LOGGED_CHARS = 200


def visitor_language() -> str:
    """The language of the visitor whose event is running ("en" outside an event).

    Gradio sets the event's request in a context variable before each call (and each step of
    a generator), so any wrapped callback can word its messages without a ``gr.Request``
    parameter of its own, even one that takes ``*args``.
    """
    return language_of(LocalContext.request.get(None))


def error_message(exc: LMDemoError, language: str) -> str:
    """A core error worded for the visitor: its own English, or its key's translation."""
    return say_message(str(exc), exc.key, exc.fields, language)


def _convert(exc: BaseException, api: bool) -> gr.Error:
    language = visitor_language()
    # The message quotes what the visitor typed or linked: the page shows it as text (the
    # browser renders a pop-up's message as HTML); an API client reads the text as it is.
    title = say("err_title", language)
    if isinstance(exc, LMDemoError):
        log.info("Rejected: %s: %s", type(exc).__name__, log_line(str(exc)))
        return error(error_message(exc, language), title, page=not api)
    log.error("Unexpected error", exc_info=exc)
    return error(say("err_internal", language), title, page=not api)


def log_line(text: str, limit: int = LOGGED_CHARS) -> str:
    """``text`` as one log line: line breaks and characters UTF-8 cannot hold (a lone
    surrogate) escaped, cut to ``limit`` characters."""
    flat = text.encode("utf-8", "backslashreplace").decode("utf-8")
    flat = flat.replace("\r", "\\r").replace("\n", "\\n")
    return shorten(flat, limit)


_END = object()


def visitor_session() -> str | None:
    """The Gradio session of the event that is running (None outside an event). A raw API
    call that sends no session hash gets its event id as one, so it is a session too."""
    request = LocalContext.request.get(None)
    return getattr(request, "session_hash", None) or None


class _Puller:
    """Steps a generator in worker threads and closes it even while a step is running.

    Gradio cancels an event by cancelling its asyncio task, which does not wait for the
    worker thread. A generator cannot be closed mid-step, so a close that arrives then is
    left to the step itself, which closes the generator as soon as it returns.
    """

    def __init__(self, generator: Generator, owner: str | None, scope: Scope):
        self.generator = generator
        self.owner, self.scope = owner, scope
        self.lock = threading.Lock()
        self.busy = False
        self.abandoned = False

    def pull(self) -> object:
        with self.lock:
            if self.abandoned:
                return _END
            self.busy = True
        try:
            with acting_for(self.owner, self.scope):
                return next(self.generator, _END)
        finally:
            with self.lock:
                self.busy = False
                if self.abandoned:
                    self.generator.close()

    def close(self) -> None:
        with self.lock:
            self.abandoned = True
            if not self.busy:
                self.generator.close()
        # A step blocked on engine requests (the bias probe waits for 24) returns at once.
        self.scope.cancel()


def user_errors(fn: Callable, *, api: bool = False) -> Callable:
    """Wrap a UI callback (plain or generator) so users see messages, never tracebacks.

    ``api=True`` marks an endpoint no page event calls (``gr.api``, a task's named endpoint):
    its messages are left as text for API and MCP clients. Every other callback's messages
    are escaped for the page's pop-ups (lmdemo/ui/plain.py), the safe default.

    A generator callback becomes an async generator that pulls each value from a worker
    thread. When Gradio cancels the event (Stop button, closed tab, client ``cancel``), the
    cancellation lands in this wrapper's ``finally`` and closes the inner generator as soon
    as its current step returns, so the engine request it holds is cancelled within one
    decoding step rather than whenever the garbage collector finds the abandoned generator.
    Every engine request the event makes runs for the visitor's session and is cancelled
    when the event fails or ends (``_for_visitor``).
    """
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        async def gen_wrapper(*args, **kwargs):
            puller = _Puller(fn(*args, **kwargs), visitor_session(), Scope())
            try:
                while True:
                    value = await anyio.to_thread.run_sync(puller.pull)
                    if value is _END:
                        return
                    yield value
            except gr.Error:
                raise
            except Exception as exc:
                raise _convert(exc, api) from exc
            finally:
                puller.close()

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return _for_visitor(fn, *args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:
            raise _convert(exc, api) from exc

    return wrapper


def _for_visitor(fn: Callable, /, *args: object, **kwargs: object) -> object:
    """Call ``fn`` for the visitor's session; a failure cancels every request it queued."""
    scope = Scope()
    try:
        with acting_for(visitor_session(), scope):
            return fn(*args, **kwargs)
    finally:
        scope.cancel()  # finished requests ignore it; what a failed call left running stops
