"""Who a request is for, and which event started it, without a parameter in every layer.

The UI sets both around each handler call (and each step of a generator handler) with
``acting_for``; ``Engine.submit`` reads the owner to share the batch fairly between visitors,
and every ``Request`` made inside the block joins the event's ``Scope``, so a failed or
stopped event can cancel all the work it queued. Outside any block (the CLI, the eval
runner, tests) there is no owner and no scope: the engine then treats each request as its
own visitor.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

T = TypeVar("T")


class Cancellable(Protocol):
    """Anything with a ``cancel()`` (an engine ``Request``)."""

    def cancel(self) -> None:
        """Stop the work."""
        ...


class Scope:
    """The requests one event started; ``cancel`` ends every one still running."""

    def __init__(self) -> None:
        # Weak: a finished request that nobody holds any more is dropped, not kept for the
        # event's lifetime (a long generator view starts many).
        self._requests: weakref.WeakSet[Cancellable] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._fixed: dict[object, object] = {}
        self.cancelled = False

    def fixed(self, key: object, make: Callable[[], T]) -> T:
        """What ``make()`` gave the first time this event asked for ``key``: a thing an event
        reads once holds for all of it (the model the visitor picked, lmdemo/shelf.py)."""
        with self._lock:
            if key not in self._fixed:
                self._fixed[key] = make()
            return self._fixed[key]  # type: ignore[return-value]

    def add(self, request: Cancellable) -> bool:
        """Track ``request``; False when the scope was already cancelled (the caller then
        marks it cancelled itself: it may not be ready for ``cancel()`` yet)."""
        with self._lock:
            self._requests.add(request)
            return not self.cancelled

    def cancel(self) -> None:
        """Cancel every tracked request (finished ones ignore it)."""
        with self._lock:
            self.cancelled = True
            requests = list(self._requests)
        for request in requests:
            request.cancel()

    def __len__(self) -> int:
        with self._lock:
            return len(self._requests)


_owner: ContextVar[str | None] = ContextVar("lmdemo_owner", default=None)
_scope: ContextVar[Scope | None] = ContextVar("lmdemo_scope", default=None)


@contextmanager
def acting_for(owner: str | None, scope: Scope | None = None) -> Iterator[None]:
    """Run the block on behalf of ``owner`` (a session id), tracking requests in ``scope``."""
    owner_token = _owner.set(owner)
    scope_token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(scope_token)
        _owner.reset(owner_token)


def current_owner() -> str | None:
    """The session the running code acts for, or None outside ``acting_for``."""
    return _owner.get()


def current_scope() -> Scope | None:
    """The scope of the event the running code acts for, or None outside ``acting_for``."""
    return _scope.get()


def track(request: Cancellable) -> bool:
    """Add ``request`` to the current event's scope, if there is one; False when that
    event was already cancelled, so the request should not run."""
    scope = _scope.get()
    return scope is None or scope.add(request)
