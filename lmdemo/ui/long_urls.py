"""Refuse a URL too long for Gradio with a page that says so, instead of a crash.

Gradio parses each request's URL with httpx, which refuses one over 65,536 characters; a
100,000-character link therefore gave a bare "Internal Server Error" and a traceback in the
log. This ASGI middleware answers such a request first: ``414 URI Too Long`` with a short
page in the visitor's language (JSON for the API's routes) and one log line.
"""

from __future__ import annotations

import json
import logging

from .i18n import say, scope_language
from .plain import html_text

log = logging.getLogger(__name__)
# Path plus query, in characters. httpx's own limit is 65,536 for the whole URL (scheme and
# host included), and the page sends its query again with each event (queue/join?...).
MAX_URL_CHARS = 60_000
PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>lmdemo</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em">
<h1>{title}</h1><p>{message}</p><p><a href="{home}">{open}</a></p></body></html>
"""


def url_chars(scope: dict) -> int:
    """The length of the request's path and query, as the client sent them."""
    return len(scope.get("raw_path") or scope.get("path", "")) + len(
        scope.get("query_string", b"")) + 1


def refusal(scope: dict, length: int) -> tuple[str, bytes]:
    """(content type, body) that tells a visitor (HTML) or a client (JSON) the link's limit."""
    lang = scope_language(scope)
    message = say("url_too_long", lang, length=f"{length:,}", limit=f"{MAX_URL_CHARS:,}")
    if "/gradio_api/" in scope.get("path", ""):
        return "application/json", json.dumps({"detail": message}).encode()
    root = scope.get("root_path", "").rstrip("/") + "/"
    page = PAGE.format(lang=lang, title=html_text(say("url_too_long_title", lang)),
                       message=html_text(message), home=html_text(root),
                       open=html_text(say("url_too_long_open", lang)))
    return "text/html; charset=utf-8", page.encode()


class RefuseLongUrls:
    """ASGI middleware: 414 for a URL longer than ``MAX_URL_CHARS``; the rest passes on."""

    def __init__(self, app, limit: int = MAX_URL_CHARS) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        """Answer a too-long URL with 414 and a message; pass everything else on."""
        length = url_chars(scope) if scope["type"] == "http" else 0
        if length <= self.limit:
            await self.app(scope, receive, send)
            return
        log.warning("Refused a %d-character URL (limit %d): %s %s?%s…", length, self.limit,
                    scope.get("method"), scope.get("path", "")[:80],
                    scope.get("query_string", b"")[:80].decode("latin-1"))
        kind, body = refusal(scope, length)
        await send({"type": "http.response.start", "status": 414,
                    "headers": [(b"content-type", kind.encode()),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
