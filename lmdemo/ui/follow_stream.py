"""The event stream a class's followers read: ``/lmdemo/class/CODE/events``.

One server-sent event per change of the class, as one line of JSON with the widgets' updates
(worked out once for all followers by lmdemo/ui/follow.py); the first holds everything. The
stream looks at the class's version every POLL_S seconds, a dict read, so forty idle
followers cost the server next to nothing. It is ASGI middleware, like lmdemo/ui/uploads.py,
so it runs beside Gradio's own routes without touching them.
"""

from __future__ import annotations

import asyncio
import json
import re

from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..classroom import Changes, Classroom
from ..errors import ClassError
from .adapters import error_message
from .i18n import pick_language
from .strings import LANGUAGES

POLL_S = 0.2  # how often a stream looks at its class's version: most of a follower's delay
KEEPALIVE_S = 15.0  # a comment line now and then keeps proxies from closing a quiet stream
EVENTS_PATH = re.compile(r"^/lmdemo/class/([A-Za-z0-9]{1,20})/events$")


class ClassEvents:
    """ASGI middleware serving ``/lmdemo/class/CODE/events``: a server-sent event with what
    changed whenever the class changes (everything, first), and ``ended`` once it is over."""

    def __init__(self, app: ASGIApp, classroom: Classroom) -> None:
        self.app = app
        self.classroom = classroom

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = EVENTS_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        asked = request.query_params.get("lang")
        language = asked if asked in LANGUAGES else pick_language(
            request.headers.get("accept-language"))
        response = StreamingResponse(self.stream(found.group(1), language),
                                     media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache",
                                              "X-Accel-Buffering": "no"})
        await response(scope, receive, send)

    async def stream(self, code: str, language: str = "en"):
        """Each change as one JSON line; a comment line when quiet; ``ended`` at the end."""
        seen, quiet = -1, 0.0  # -1: nothing sent yet, so the first message is everything
        while True:
            try:
                version = self.classroom.version(code)
                changes = (self.classroom.changes(code, max(seen, 0)) if version != seen
                           else None)
            except ClassError as exc:
                message = error_message(exc, language)
                yield f"data: {json.dumps({'ended': message}, ensure_ascii=False)}\n\n"
                return
            if changes is not None:
                seen, quiet = changes.version, 0.0
                yield f"data: {payload(changes)}\n\n"
            elif quiet >= KEEPALIVE_S:
                quiet = 0.0
                yield ": still here\n\n"
            await asyncio.sleep(POLL_S)
            quiet += POLL_S


def payload(changes: Changes) -> str:
    """What changed, as one line of JSON for the page script (assets/lmdemo.js, follow)."""
    return json.dumps({"version": changes.version, "results": changes.results,
                       "view": changes.view, "pointer": changes.pointer},
                      ensure_ascii=False, default=str, separators=(",", ":"))
