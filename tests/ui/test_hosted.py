"""Hosted mode and bounded memory: rate limit, caps, catalogue-only models, session capacity,
the sentiment calibration cache, and the README's Spaces front matter."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lmdemo.config import AppConfig
from lmdemo.errors import ParamError, UnknownModelError
from lmdemo.models import ModelManager
from lmdemo.models.catalog import BUNDLED_MODEL, resolve_catalogued
from lmdemo.params import make_params
from lmdemo.ui import ratelimit
from lmdemo.ui.i18n import scope_language
from lmdemo.ui.ratelimit import TokenBuckets, client_key, limit_message

ROOT = Path(__file__).resolve().parents[2]


# ---- the token buckets ----------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_per_minute_then_names_the_wait_and_refills():
    clock = FakeClock()
    buckets = TokenBuckets(3, clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(20.0)  # one call every 60/3 s
    assert buckets.take("b") == 0.0  # another client has its own bucket
    clock.now += 10
    assert buckets.take("a") == pytest.approx(10.0)  # refused calls spend nothing
    clock.now += 10
    assert buckets.take("a") == 0.0
    clock.now += 3600
    assert [buckets.take("a") for _ in range(4)][-1] > 0  # refills to 3, never more


def test_buckets_forget_the_least_recently_seen_clients(monkeypatch):
    monkeypatch.setattr(ratelimit, "MAX_CLIENTS", 5)
    buckets = TokenBuckets(1, FakeClock())
    for i in range(50):
        buckets.take(f"10.0.0.{i}")
    assert len(buckets) == 5


FORGED = [(b"x-forwarded-for", b"203.0.113.7")]


@pytest.mark.parametrize(("peer", "header", "proxies", "client"), [
    # no trusted proxy (--hosted on a plain server): the header is the client's own word
    ("10.1.1.1", b"203.0.113.7, 10.0.0.2", (), "10.1.1.1"),
    # a Space ("*"): the first hop, as its proxy passes it on
    ("10.1.1.1", b"203.0.113.7, 10.0.0.2", ("*",), "203.0.113.7"),
    ("10.1.1.1", None, ("*",), "10.1.1.1"),
    # a named proxy: the last hop it did not add itself; what the client wrote is ignored
    ("10.0.0.2", b"198.51.100.1, 203.0.113.7", ("10.0.0.2",), "203.0.113.7"),
    ("10.0.0.2", b"198.51.100.1, 203.0.113.7, 10.0.0.9", ("10.0.0.0/8",), "203.0.113.7"),
    # a peer that is not the named proxy speaks for itself
    ("192.0.2.5", b"203.0.113.7", ("10.0.0.2",), "192.0.2.5"),
])
def test_client_key_believes_forwarded_for_only_from_a_trusted_proxy(peer, header, proxies,
                                                                     client):
    headers = [(b"x-forwarded-for", header)] if header else []
    scope = {"client": (peer, 5555), "headers": headers}
    assert client_key(scope, ratelimit.Proxies(proxies)) == client


def _limiter(argv: list[str], env: dict[str, str]):
    """The rate limit middleware the app would build for this command line, metering fn 3."""
    from types import SimpleNamespace

    from lmdemo.config import load_config
    from lmdemo.ui.launch import rate_limit_middleware

    demo = SimpleNamespace(fns={3: SimpleNamespace(concurrency_limit=None, api_name="generate")})
    config = load_config([*argv, "--hosted"], {**env, "LMDEMO_RATE_LIMIT": "2"})
    (middleware,) = rate_limit_middleware(config, demo)
    return middleware.cls(Recorder(), *middleware.args, **middleware.kwargs)


@pytest.mark.parametrize(("argv", "env", "forged_passes"), [
    ([], {}, False),  # --hosted on a plain server: a forged header buys nothing
    ([], {"SPACE_ID": "someone/lmdemo"}, True),  # a Space: its proxy sets the header
    (["--trusted-proxy", "127.0.0.1"], {}, True),
    ([], {"LMDEMO_TRUSTED_PROXIES": "10.0.0.1, 127.0.0.0/8"}, True),
])
def test_a_forged_forwarded_for_gets_no_fresh_budget_off_a_known_proxy(argv, env,
                                                                       forged_passes):
    limiter = _limiter(argv, env)
    for _ in range(2):  # the peer's (127.0.0.1) budget, spent
        assert _asgi(limiter, "/gradio_api/call/generate", b"{}") == 200
    assert _asgi(limiter, "/gradio_api/call/generate", b"{}") == 429
    status = _asgi(limiter, "/gradio_api/call/generate", b"{}", headers=FORGED)
    assert status == (200 if forged_passes else 429)


def test_a_trusted_proxy_must_be_an_address():
    from lmdemo.config import load_config
    from lmdemo.errors import ConfigError

    with pytest.raises(ConfigError, match="--trusted-proxy 'proxy.local' is not an IP"):
        load_config(["--trusted-proxy", "proxy.local"], {})
    assert load_config(["--hosted"], {}).trusted_proxies == ()


def test_limit_message_names_the_limit_and_the_wait():
    assert limit_message(20, 2.2) == ("Too many generation requests: this server allows 20 a "
                                      "minute from one address. Try again in 3 s.")


@pytest.mark.parametrize(("query", "accept", "language"), [
    (b"tab=generate&lang=zh-CN", None, "zh-CN"),  # the page sends its own query with events
    (b"", b"zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    (b"lang=en", b"zh-CN", "en"),
    (b"lang=xx", None, "en"),  # an API client without either reads English
])
def test_the_limit_message_speaks_the_callers_language(query, accept, language):
    headers = [(b"accept-language", accept)] if accept else []
    scope = {"query_string": query, "headers": headers}
    assert scope_language(scope) == language
    message = limit_message(20, 2.2, scope_language(scope))
    assert message.startswith("生成请求太多" if language == "zh-CN" else "Too many")
    assert "20" in message and "3" in message


class Recorder:
    """An ASGI app that records what reached it and reads the whole body."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope, receive, send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _asgi(middleware, path: str, body: bytes, method: str = "POST",
          headers: list[tuple[bytes, bytes]] | None = None) -> int:
    import asyncio

    chunks = [body[:5], body[5:]]  # a body in two pieces, as a server may pass it
    messages = [{"type": "http.request", "body": c, "more_body": i == 0}
                for i, c in enumerate(chunks)]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": headers or [],
             "client": ("127.0.0.1", 1)}
    asyncio.run(middleware(scope, receive, send))
    return sent[0]["status"]


def test_middleware_counts_only_generation_calls_and_passes_bodies_whole():
    app = Recorder()
    limiter = ratelimit.RateLimitMiddleware(app, per_minute=2, metered_fns={3},
                                            metered_names={"generate"})
    join = b'{"fn_index": 3, "data": ["x"], "session_hash": "s"}'
    other = b'{"fn_index": 4, "data": ["y"]}'
    tool = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {}}'
    listing = b'{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}'
    for _ in range(5):  # not metered: other events, tool listings, GETs, other names
        assert _asgi(limiter, "/gradio_api/queue/join", other) == 200
        assert _asgi(limiter, "/gradio_api/mcp/", listing) == 200
        assert _asgi(limiter, "/gradio_api/call/tokenize", b"{}") == 200
        assert _asgi(limiter, "/gradio_api/call/generate/abc", b"", method="GET") == 200
    assert app.bodies[0] == other  # the app still reads the body the limiter read
    assert _asgi(limiter, "/gradio_api/queue/join", join) == 200
    assert _asgi(limiter, "/gradio_api/mcp/", tool) == 200
    assert _asgi(limiter, "/gradio_api/call/generate", b"{}") == 429
    assert _asgi(limiter, "/gradio_api/queue/join", join) == 429
    assert _asgi(limiter, "/gradio_api/queue/join", b"not json") == 200  # Gradio answers it


def test_hosted_summary_names_the_limits():
    from lmdemo.config import load_config
    from lmdemo.ui.launch import hosted_summary

    line = hosted_summary(load_config(["--hosted"], {}))
    assert line.startswith("Hosted mode is on: catalogue models only")
    assert "max_new_tokens up to 256" in line and "20 generation calls a minute" in line
    assert "no uploads" in line
    assert "the client: the connection's address" in line


# ---- catalogue models only ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["someone/some-model", "./models/x", "/tmp/x.gguf", "gpt-5"])
def test_hosted_mode_refuses_models_outside_the_catalogue(name, tmp_path):
    manager = ModelManager(AppConfig(model=name, hosted=True, cache_dir=tmp_path))
    with pytest.raises(UnknownModelError, match="catalogue models only.*gemma-3-270m"):
        manager.get()


def test_hosted_mode_refuses_a_local_folder_that_exists(tiny_model_dir, tmp_path):
    manager = ModelManager(AppConfig(model=str(tiny_model_dir), hosted=True, cache_dir=tmp_path))
    with pytest.raises(UnknownModelError, match="not a catalogue model"):
        manager.get()


def test_catalogue_names_and_aliases_resolve():
    assert resolve_catalogued("gemma").name == BUNDLED_MODEL
    assert resolve_catalogued(" gpt2 ").name == "gpt2"


# ---- the max_new_tokens cap -----------------------------------------------------------------
def test_runtime_caps_max_new_tokens_with_a_named_range(tiny_config):
    from lmdemo.runtime import Runtime

    runtime = Runtime(tiny_config.with_overrides(max_new_tokens=8))  # no model needed
    assert runtime.check_params(make_params(max_new_tokens=8)).max_new_tokens == 8
    with pytest.raises(ParamError, match="between 1 and 8 on this server; got 9") as info:
        runtime.check_params(make_params(max_new_tokens=9))
    assert info.value.field == "max_new_tokens" and info.value.key == "err_out_of_range_here"
    assert info.value.fields["high"] == "8"


# ---- the sentiment calibration cache --------------------------------------------------------
def test_sentiment_calibrations_are_a_bounded_lru(tiny_runtime):
    from lmdemo.tasks.catalog.sentiment import SentimentScorer

    scorer = SentimentScorer(tiny_runtime, kept=2)
    made = []
    real = scorer.label_probs

    def counted(prompt, ids=None):
        made.append(prompt)
        return real(prompt, ids)

    scorer.label_probs = counted  # type: ignore[method-assign]
    templates = [f"Review {i}: {{text}}\nSentiment:" for i in range(3)]
    first = scorer.calibration(templates[0])
    scorer.calibration(templates[1])
    assert scorer.calibration(templates[0]) is first  # a hit: no new passes
    assert len(made) == 6
    scorer.calibration(templates[2])  # evicts templates[1], the least recently used
    assert scorer.cached() == (templates[0], templates[2])
    scorer.calibration(templates[1])
    assert len(made) == 12 and len(scorer.cached()) == 2


# ---- the server: session capacity, the cap and the rate limit --------------------------------
@pytest.fixture(scope="module")
def limited(tiny_config):
    """The real server on the tiny model with hosted-style limits: (demo, client, port)."""
    from gradio_client import Client

    from lmdemo.bench.startup import free_port
    from lmdemo.ui.launch import serve

    config = tiny_config.with_overrides(port=free_port(), host="127.0.0.1", rate_limit=3,
                                        max_new_tokens=8, session_capacity=4)
    demo, runtime = serve(config, block=False)
    try:
        assert runtime.wait_ready(300).ready
        yield demo, Client(f"http://127.0.0.1:{config.port}/", verbose=False), config.port
    finally:
        demo.close()
        runtime.close()


def _post(port: int, path: str, payload: dict) -> tuple[int, dict, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, dict(reply.headers), json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def test_server_bounds_sessions_caps_tokens_and_rate_limits(limited):
    import httpx
    from gradio_client.exceptions import AppError

    demo, client, port = limited
    # /generate's parameters: text, template, then the decoding controls by name
    generate = {"data": ["Once upon", "", 0.0, 50, 0.95, 2, 1.0, 42, ""]}
    assert demo.state_session_capacity == 4
    for _ in range(7):  # /tokenize feeds no engine: new sessions, no rate limit
        client.reset_session()
        assert client.predict("hello world", api_name="/tokenize")
    assert len(demo.state_holder.session_data) <= 4
    # three generation calls a minute from this address: the first is over the cap
    with pytest.raises(AppError, match="between 1 and 8 on this server; got 9"):
        client.predict("Once upon", api_name="/generate", max_new_tokens=9)
    assert isinstance(client.predict("Once upon", api_name="/generate", max_new_tokens=2), str)
    status, _, _ = _post(port, "/gradio_api/call/generate", generate)
    assert status == 200
    # the fourth, by any route, is refused with the wait named
    status, headers, body = _post(port, "/gradio_api/call/generate", generate)
    assert status == 429 and 1 <= int(headers["retry-after"]) <= 20
    assert re.search(r"allows 3 a minute from one address\. Try again in \d+ s\.", body["detail"])
    with pytest.raises(httpx.HTTPStatusError, match="429 Too Many Requests"):
        client.predict("Once upon", api_name="/generate", max_new_tokens=2)
    assert client.predict("still fine", api_name="/tokenize")  # the rest of the app still works


# ---- Spaces front matter --------------------------------------------------------------------
def test_readme_starts_with_valid_spaces_front_matter():
    import yaml
    from packaging.requirements import Requirement
    from packaging.version import Version

    text = (ROOT / "README.md").read_text()
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    for key in ("title", "emoji", "sdk", "sdk_version", "app_file", "python_version"):
        assert meta.get(key), f"front matter lacks {key}"
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py"
    assert (ROOT / meta["app_file"]).is_file()
    gradio_line = next(line for line in (ROOT / "requirements.txt").read_text().splitlines()
                       if line.startswith("gradio"))
    specifier = Requirement(gradio_line).specifier
    assert Version(str(meta["sdk_version"])) in specifier, (meta["sdk_version"], specifier)
    requires = (ROOT / "pyproject.toml").read_text()
    floor = re.search(r'requires-python = ">=(\d+\.\d+)"', requires).group(1)
    assert Version(str(meta["python_version"])) >= Version(floor)


# ---- the page says it is a public server ------------------------------------------------------
@pytest.mark.parametrize(("rate", "language", "expected"), [
    (20, "en", "Public server: texts up to 4,000 characters, at most 256 new tokens, 20 "
               "generations a minute per visitor."),
    (0, "en", "Public server: texts up to 4,000 characters, at most 256 new tokens."),
    (20, "zh-CN", "公共服务器：文本最多 4,000 个字符，最多生成 256 个新词元，"
                  "每位访客每分钟最多 20 次生成。"),
])
def test_hosted_banner_names_the_limits(tiny_runtime, rate, language, expected):
    from lmdemo.runtime import Runtime
    from lmdemo.ui.app import model_banner

    config = tiny_runtime.config.with_overrides(hosted=True, max_input_chars=4000,
                                                max_new_tokens=256, rate_limit=rate)
    hosted = Runtime(config, tiny_runtime.manager)  # the tiny model, already loaded
    try:
        banner = model_banner(hosted, language)
    finally:
        hosted.close()
    assert banner.endswith(expected)
    assert "Public server" not in model_banner(tiny_runtime, language)
