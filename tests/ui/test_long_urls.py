"""A URL too long for Gradio gets a clear answer and one log line (issue 18, section 1)."""

from __future__ import annotations

import asyncio
import http.client
import logging
from urllib.parse import urlparse

import pytest

from lmdemo.ui.long_urls import MAX_URL_CHARS, RefuseLongUrls

LONG = "tab=generate&prompt=" + "a" * 100_000
CHARS = len("/?" + LONG)  # 100,022: the path and query as sent


def _call(query: str, path: str = "/", accept: bytes = b"en-US") -> tuple[int, dict, bytes]:
    """(status, headers, body) of the middleware in front of an app that answers 200."""
    sent: list[dict] = []

    async def app(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"app"})

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "headers": [(b"accept-language", accept)]}
    asyncio.run(RefuseLongUrls(app)(scope, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def test_a_link_within_the_limit_reaches_the_app():
    query = "tab=generate&prompt=" + "a" * (MAX_URL_CHARS - 40)
    assert _call(query) == (200, {}, b"app")


@pytest.mark.parametrize(("accept", "words"), [(b"en-US,en;q=0.9", "This link is too long"),
                                               (b"zh-CN,zh;q=0.9", "此链接太长")])
def test_a_long_link_gets_a_page_in_the_visitors_language(accept, words, caplog):
    with caplog.at_level(logging.INFO, logger="lmdemo"):
        status, headers, body = _call(LONG, accept=accept)
    page = body.decode()
    assert status == 414 and headers[b"content-type"].startswith(b"text/html")
    assert words in page and f"{CHARS:,}" in page and f"{MAX_URL_CHARS:,}" in page
    assert '<a href="/">' in page and "aaaa" not in page  # the app's own address, no echo
    lines = [r for r in caplog.records if r.name.startswith("lmdemo")]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert f"{CHARS}-character URL" in lines[0].getMessage()


def test_an_api_call_with_a_long_url_gets_json():
    status, headers, body = _call(LONG, path="/gradio_api/queue/join")
    assert status == 414 and headers[b"content-type"] == b"application/json"
    assert f'"detail": "This link is {len("/gradio_api/queue/join?" + LONG):,}'.encode() in body


def test_the_server_answers_a_100000_character_url_with_that_page(app, caplog):
    client, _runtime = app
    url = urlparse(client.src)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    with caplog.at_level(logging.INFO):
        connection.request("GET", "/?" + LONG, headers={"Accept-Language": "en"})
        reply = connection.getresponse()
        body = reply.read().decode()
    assert reply.status == 414 and "This link is too long" in body
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in caplog.records if "character URL" in r.getMessage()] == [
        "lmdemo.ui.long_urls"]
