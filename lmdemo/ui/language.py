"""``?lang=zh-CN`` picks the page's language before Gradio starts.

Gradio's browser code reads ``navigator.language`` once, before any ``head`` script runs, and
a tab label rendered in one language does not follow a later switch. So this ASGI middleware
adds a tiny script at the top of the page's ``<head>`` when the URL names a language: it
overrides ``navigator.language`` for that page before Gradio's own scripts load.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

SCRIPT = ("<script>(function(){{var l={lang};"
          "Object.defineProperty(Navigator.prototype,'language',{{get:function(){{return l}},"
          "configurable:true}});"
          "Object.defineProperty(Navigator.prototype,'languages',{{get:function(){{return [l]}},"
          "configurable:true}});}})();</script>")


def asked_language(query_string: bytes, languages: tuple[str, ...]) -> str | None:
    """The ``lang`` of a query string if it is one of ``languages``."""
    values = parse_qs(query_string.decode("latin-1")).get("lang", [])
    return values[0] if values and values[0] in languages else None


def with_language(html: bytes, lang: str) -> bytes:
    """The page with the override script first in its ``<head>``."""
    script = SCRIPT.format(lang=json.dumps(lang)).encode()
    return html.replace(b"<head>", b"<head>" + script, 1)


class LanguageMiddleware:
    """Serve the app's page (``GET /``) in the language its URL asks for."""

    def __init__(self, app, languages: tuple[str, ...] = ("en", "zh-CN")):
        self.app = app
        self.languages = languages

    async def __call__(self, scope, receive, send):
        lang = (asked_language(scope.get("query_string", b""), self.languages)
                if scope["type"] == "http" and scope.get("method") == "GET"
                and scope.get("path", "").rstrip("/") == "" else None)
        if lang is None:
            await self.app(scope, receive, send)
            return
        start: dict = {}
        body: list[bytes] = []

        async def buffered(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            html = b"".join(body)
            headers = list(start.get("headers", []))
            is_html = any(k.lower() == b"content-type" and v.startswith(b"text/html")
                          for k, v in headers)
            if is_html and not any(k.lower() == b"content-encoding" for k, v in headers):
                html = with_language(html, lang)
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(html)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": html})

        await self.app(scope, receive, buffered)
