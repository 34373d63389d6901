"""The OpenAI-compatible wire, as lmdemo reads it: server-sent events, the two layouts of
log-probabilities, errors in plain words, and a request whose cancel shuts its socket."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

from ..engine.requests import Request, TokenEvent
from ..errors import BackendError, BusyError, LMDemoError

log = logging.getLogger(__name__)


def server_error(url: str, exc: httpx.HTTPError, timeout: float) -> BackendError:
    """A plain sentence for a transport failure; the technical detail goes to the log."""
    log.warning("Model server %s: %s: %s", url, exc.__class__.__name__, exc)
    if isinstance(exc, httpx.TimeoutException):
        return BackendError(key="err_server_timeout", url=url, seconds=f"{timeout:g}")
    if isinstance(exc, httpx.ConnectError):
        return BackendError(key="err_server_unreachable", url=url)
    return BackendError(key="err_server_connection", url=url)


def refused(url: str, status: int, body: str) -> LMDemoError:
    """A plain sentence for an HTTP error status; a 4xx message from the server is kept."""
    log.warning("Model server %s answered HTTP %d: %s", url, status, body[:500])
    if status in (429, 503):
        return BusyError(key="err_server_busy", url=url, status=status)
    if 400 <= status < 500:
        detail = _error_text(body)
        if detail:
            return BackendError(key="err_server_refused_detail", url=url, status=status,
                                detail=detail)
        return BackendError(key="err_server_refused", url=url, status=status)
    return BackendError(key="err_server_failed", url=url, status=status)


def _error_text(body: str) -> str:
    """The human part of an error body ({"error": {"message": ...}} or {"detail": ...})."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data.get("message", "")))
        if isinstance(error, dict):
            error = error.get("message", "")
        return str(error)[:200]
    return ""


def not_openai(url: str, what: str) -> BackendError:
    """The message for an answer that no OpenAI-compatible API gives (a web page, say)."""
    return BackendError(key="err_server_not_openai", url=url, what=what)


def read_json(response: httpx.Response, url: str, what: str) -> dict:
    """The JSON object of an answer, or a BackendError saying this is no OpenAI-style API."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        log.warning("Model server %s: %s gave non-JSON: %r", url, what, response.text[:300])
        raise not_openai(url, what)
    return data


def top_logprobs_of(choice: dict) -> dict[str, float]:
    """The first position's top log-probabilities, in the legacy or the chat-style layout."""
    logprobs = choice.get("logprobs") or {}
    top = logprobs.get("top_logprobs")
    if top and isinstance(top[0], dict):  # legacy: [{token: logprob, ...}, ...]
        return {str(k): float(v) for k, v in top[0].items()}
    content = logprobs.get("content")  # chat-style (newer llama.cpp): [{top_logprobs: [...]}]
    if content and isinstance(content[0], dict):
        return {str(t["token"]): float(t["logprob"])
                for t in content[0].get("top_logprobs") or []}
    return {}


class Pieces:
    """Lets TextTracker (stop sequences, held-back tails) run on received text pieces: the
    "ids" it tracks are indices into the pieces, and decoding joins them."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        """The text of the pieces numbered ``ids``, joined."""
        return "".join(self.texts[i] for i in ids)


@dataclass
class Progress:
    """What one stream has shown so far."""

    first: float | None = None  # perf_counter of the first visible text
    events: list[TokenEvent] = field(default_factory=list)


class StreamRequest(Request):
    """A Request whose ``cancel`` also shuts its HTTP stream, so the server stops at once."""

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._response: httpx.Response | None = None
        self._response_lock = threading.Lock()
        self.streaming = False

    def attach(self, response: httpx.Response | None) -> None:
        """Record the open stream (None once it is done); shut it if already cancelled."""
        with self._response_lock:
            self._response = response
            self.streaming = response is not None
        if response is not None and self.cancelled:
            shut(response)

    def cancel(self) -> None:
        """Mark the request cancelled and shut its stream, waking the reading thread."""
        super().cancel()
        with self._response_lock:
            response = self._response
        if response is not None:
            shut(response)


def shut(response: httpx.Response) -> None:
    """Shut the stream's socket from another thread.

    Closing a socket does not wake a thread blocked reading it; shutdown does. A transport
    without a socket (a test's MockTransport) is left to end at its next event.
    """
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed


def sse_events(response: httpx.Response, url: str) -> Iterator[dict]:
    """The JSON objects of a server-sent event stream, up to ``[DONE]``.

    An answer without a single event (a web page, plain JSON, an empty body) raises the
    BackendError that names the URL: read as a stream, it would be an empty completion.
    """
    events = 0
    skipped: list[str] = []  # the start of what came instead, for the log
    for line in response.iter_lines():
        if not line.startswith("data:"):
            if not events and len(skipped) < 5:
                skipped.append(line)
            continue  # blank lines, ": keep-alive" comments, "event:" names
        events += 1
        payload = line[5:].strip()
        if payload == "[DONE]":
            return
        try:
            data = json.loads(payload)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            log.warning("Model server %s sent a malformed event: %r", url, payload[:300])
            raise BackendError(key="err_server_not_stream", url=url)
        yield data
    if not events:
        log.warning("Model server %s: POST /completions gave no event stream: %r", url,
                    "\n".join(skipped)[:300])
        raise not_openai(url, "POST /completions")
