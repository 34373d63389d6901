"""Classes that students follow: a teacher's page drives, the followers' pages show it.

A ``Lesson`` is one class: a short code that students type or scan, a secret that only the
teacher's own link holds, and the teacher's latest view as plain data: the link query of the
view on screen (``?tab=...&text=...``, read back with ``lmdemo.ui.links.parse_query``), what
the teacher picked inside a result (an attention cell), and the results the teacher's page
received, keyed by the id of the widget that shows them. Followers get that data; nothing is
recomputed for them, so forty followers cost the server a few copies of a dict.

Every change bumps the lesson's version and stamps what changed with it, so a follower asks
"what changed since version N" and gets only that (``Classroom.changes``).

The registry holds no Gradio object and no request: the UI (lmdemo/ui/follow.py) passes
session ids and widget ids as plain strings and numbers.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .errors import ClassError

# No 0/O, 1/I/L: a code is read off a projector and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6  # 31**6 ~ 8.9e8 codes: a guessed code only lets one watch, never drive
LIFETIME_S = 3 * 3600  # a class ends 3 hours after it opened
MAX_LESSONS = 200  # open classes on one server; the oldest ended ones are dropped first
MAX_QUERY_CHARS = 100_000  # a view's link: its inputs are at most 20,000 characters each
MAX_POINTER_CHARS = 200


@dataclass
class Lesson:
    """One class: its code, its teacher's secret and the teacher's latest view."""

    code: str
    secret: str = field(repr=False)
    created_at: float
    closed: bool = False
    version: int = 0
    query: str = ""
    pointer: str = ""  # what the teacher picked inside a result, e.g. "attention-map:12"
    view: dict[int, dict] = field(default_factory=dict)  # what the query sets, per widget
    results: dict[int, dict] = field(default_factory=dict)  # widget id -> its properties
    stamps: dict[object, int] = field(default_factory=dict)  # "query", "pointer", widget id

    def over(self, now: float) -> bool:
        """Closed by the teacher, or older than LIFETIME_S."""
        return self.closed or now - self.created_at >= LIFETIME_S

    def bump(self, *keys: object) -> int:
        """Stamp ``keys`` with a new version."""
        self.version += 1
        for key in keys:
            self.stamps[key] = self.version
        return self.version


@dataclass(frozen=True)
class Changes:
    """What a follower at version ``since`` has not seen yet."""

    code: str
    version: int
    query: str | None = None  # None: unchanged
    pointer: str | None = None
    results: Mapping[int, dict] = field(default_factory=dict)
    view: Mapping[int, dict] | None = None  # what ``query`` sets; None: unchanged


class Classroom:
    """The open classes of one server. Thread-safe; ``clock`` is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 max_lessons: int = MAX_LESSONS) -> None:
        self._clock = clock
        self._max = max_lessons
        self._lessons: dict[str, Lesson] = {}
        self._drivers: dict[str, str] = {}  # a teacher's page session -> its class's code
        self._lock = threading.Lock()

    # ---- the teacher -------------------------------------------------------------------------

    def open(self) -> Lesson:
        """A new class with a fresh code and secret (show the secret to its teacher once)."""
        with self._lock:
            now = self._clock()
            for code in [c for c, lesson in self._lessons.items() if lesson.over(now)]:
                del self._lessons[code]
            self._drivers = {s: c for s, c in self._drivers.items() if c in self._lessons}
            if len(self._lessons) >= self._max:
                raise ClassError(key="class_full", limit=self._max)
            code = self._new_code()
            lesson = Lesson(code, secrets.token_urlsafe(18), now)
            self._lessons[code] = lesson
            return lesson

    def drive(self, code: str, key: str, session: str) -> Lesson:
        """Let the page session ``session`` drive the class, if ``key`` is its secret."""
        with self._lock:
            lesson = self._teachers(code, key)
            self._drivers[session] = lesson.code
            return lesson

    def show(self, session: str, query: str, pointer: str = "",
             widgets: Mapping[int, dict] | None = None) -> int | None:
        """The teacher's page session ``session`` shows the view ``query`` with ``pointer``
        picked; ``widgets``: what that view sets, {widget id: properties}, worked out once
        for all followers. Returns the version (None: ``session`` drives no class)."""
        if len(query) > MAX_QUERY_CHARS or len(pointer) > MAX_POINTER_CHARS:
            raise ClassError(key="class_too_long")
        with self._lock:
            lesson = self._driven_by(session)
            if lesson is None:
                return None
            keys = [k for k, new, old in (("query", query, lesson.query),
                                          ("pointer", pointer, lesson.pointer)) if new != old]
            lesson.query, lesson.pointer = query, pointer
            if "query" in keys:
                lesson.view = dict(widgets or {})
            return lesson.bump(*keys) if keys else lesson.version

    def record(self, session: str, results: Mapping[int, dict]) -> int | None:
        """Results that reached the page session ``session``: if it drives a class that is
        not over, they become the class's; returns the new version (None: not a teacher)."""
        if not results:
            return None
        with self._lock:
            lesson = self._driven_by(session)
            if lesson is None:
                return None
            for widget, props in results.items():
                lesson.results[widget] = {**lesson.results.get(widget, {}), **props}
            return lesson.bump(*results)

    def end(self, session: str) -> bool:
        """End the class that ``session`` drives; its followers are told so."""
        with self._lock:
            lesson = self._driven_by(session)
            if lesson is None:
                return False
            lesson.closed = True
            lesson.bump()
            return True

    def driving(self, session: str | None) -> str | None:
        """The code of the class ``session`` drives, if it is not over."""
        with self._lock:
            lesson = self._driven_by(session)
            return None if lesson is None else lesson.code

    # ---- the followers -----------------------------------------------------------------------

    def find(self, code: str) -> Lesson:
        """The class ``code`` (any case, spaces ignored); ClassError if unknown or over."""
        with self._lock:
            return self._find(code)

    def version(self, code: str) -> int:
        """The class's version; ClassError once it is over (so followers stop)."""
        with self._lock:
            return self._find(code).version

    def changes(self, code: str, since: int = 0) -> Changes:
        """What changed after version ``since`` (0: everything)."""
        with self._lock:
            lesson = self._find(code)
            if since > lesson.version:  # a version of some other class: send everything
                since = 0
            fresh = {k for k, v in lesson.stamps.items() if v > since}
            return Changes(
                lesson.code, lesson.version,
                query=lesson.query if "query" in fresh else None,
                pointer=lesson.pointer if "pointer" in fresh else None,
                results={w: dict(p) for w, p in lesson.results.items() if w in fresh},
                view=dict(lesson.view) if "query" in fresh else None)

    # ---- rules -------------------------------------------------------------------------------

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code not in self._lessons:
                return code

    def _find(self, code: str) -> Lesson:
        wanted = normal_code(code)
        lesson = self._lessons.get(wanted)
        if lesson is None:
            raise ClassError(key="class_unknown", code=code[:20])
        if lesson.over(self._clock()):
            raise ClassError(key="class_ended", code=lesson.code)
        return lesson

    def _teachers(self, code: str, key: str) -> Lesson:
        lesson = self._find(code)
        # Constant time: how long a wrong key takes to refuse says nothing about the secret.
        if not hmac.compare_digest(key.encode("utf-8"), lesson.secret.encode("utf-8")):
            raise ClassError(key="class_bad_key")
        return lesson

    def _driven_by(self, session: str | None) -> Lesson | None:
        lesson = self._lessons.get(self._drivers.get(session or "", ""))
        return None if lesson is None or lesson.over(self._clock()) else lesson

def normal_code(code: str) -> str:
    """A code as typed: case and spaces do not matter."""
    return "".join(str(code).split()).upper()
