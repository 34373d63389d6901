"""A per-client rate limit on generation calls, as ASGI middleware in front of Gradio.

A generation call is an event that feeds the engine: a task's run, the bias probe, the
generation explorer, the prompting comparison (``launch.metered_events`` picks them). It may
arrive as the page's ``POST /gradio_api/queue/join`` (the event's ``fn_index`` is in the
body), as ``POST /gradio_api/call/<api_name>`` (and ``/run/``, ``/api/``), or as an MCP
``tools/call``. Everything else (the page, its assets, previews, the tokenizer view) passes
untouched, so reading the page costs nothing.

Each client has a token bucket: ``per_minute`` calls at once, then one more every
``60 / per_minute`` seconds. Over the limit the call is answered ``429`` with a
``Retry-After`` header and a ``detail`` message naming the wait, which the page shows as an
error and ``gradio_client`` raises.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable

from .i18n import say, scope_language

# Clients remembered at once. One idle for a minute has a full bucket again, so forgetting
# it changes nothing; this only bounds the memory a flood of addresses could take.
MAX_CLIENTS = 4096
_NAMED_CALL = re.compile(r"/gradio_api/(?:call|run|api)/([^/]+)/?$")


class TokenBuckets:
    """``per_minute`` calls per client key, refilled evenly; thread-safe, bounded."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key: (tokens, t)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one call for ``key``; return 0.0, or the seconds to wait when none is left."""
        rate = self.per_minute / 60.0  # tokens per second
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.pop(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / rate
            self._buckets[key] = (tokens, now)  # most recently seen last
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
            return wait

    def __len__(self) -> int:
        return len(self._buckets)


class Proxies:
    """The peers whose ``X-Forwarded-For`` is believed: addresses, networks, or "*" (any)."""

    def __init__(self, entries: Iterable[str] = ()):
        self.any = "*" in entries
        self.networks = tuple(ipaddress.ip_network(e, strict=False) for e in entries if e != "*")

    def __bool__(self) -> bool:
        return self.any or bool(self.networks)

    def __contains__(self, host: str) -> bool:
        if self.any:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:  # "unknown", a name: not a proxy anyone named
            return False
        return any(address in network for network in self.networks)


def client_key(scope: dict, proxies: Proxies) -> str:
    """The client's address: the connection's peer, unless that peer is a trusted proxy.

    Behind a trusted proxy the client is the last ``X-Forwarded-For`` hop that is not itself
    a trusted proxy: hops to its left are the client's own word, which a client can forge.
    With "*" (a Space, whose proxies are not known by address) it is the first hop.
    """
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if peer not in proxies:
        return peer
    hops = [hop.strip() for name, value in scope.get("headers", ())
            if name == b"x-forwarded-for" for hop in value.decode("latin-1").split(",")]
    hops = [hop for hop in hops if hop]
    if not hops:
        return peer
    if proxies.any:
        return hops[0]
    return next((hop for hop in reversed(hops) if hop not in proxies), hops[0])


def limit_message(per_minute: int, wait: float, language: str = "en") -> str:
    """What a client over the limit reads, in its language."""
    return say("rate_limited", language, per_minute=per_minute, wait=math.ceil(wait))



class RateLimitMiddleware:
    """Answer 429 to a client's generation calls beyond ``per_minute`` a minute."""

    def __init__(self, app, per_minute: int, metered_fns: Collection[int],
                 metered_names: Collection[str], trusted_proxies: Iterable[str] = ()):
        self.app = app
        self.buckets = TokenBuckets(per_minute)
        self.metered_fns = frozenset(metered_fns)
        self.metered_names = frozenset(metered_names)
        self.proxies = Proxies(trusted_proxies)

    async def __call__(self, scope, receive, send) -> None:
        """Count a metered call against its client; pass everything else through."""
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        named = _NAMED_CALL.search(path)
        if named:
            calls = int(named.group(1) in self.metered_names)
        elif path.endswith("/gradio_api/queue/join") or "/gradio_api/mcp" in path:
            messages, body = await _read_body(receive)
            receive = _replay(messages, receive)
            calls = self._calls_in(path, body)
        else:
            calls = 0
        if calls:
            key = client_key(scope, self.proxies)
            waits = [self.buckets.take(key) for _ in range(calls)]
            if any(waits):
                message = limit_message(self.buckets.per_minute, max(waits),
                                        scope_language(scope))
                await _too_many(send, message, max(waits))
                return
        await self.app(scope, receive, send)

    def _calls_in(self, path: str, body: bytes) -> int:
        """Metered calls in a queue/join or MCP body (0 when it is not JSON we know)."""
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return 0  # Gradio answers a malformed body itself
        if path.endswith("/queue/join"):
            return int(isinstance(data, dict) and data.get("fn_index") in self.metered_fns)
        items = data if isinstance(data, list) else [data]
        return sum(1 for item in items
                   if isinstance(item, dict) and item.get("method") == "tools/call")


async def _read_body(receive) -> tuple[list[dict], bytes]:
    messages: list[dict] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replay(messages: list[dict], receive):
    pending = list(messages)

    async def replayed() -> dict:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _too_many(send, message: str, wait: float) -> None:
    body = json.dumps({"detail": message, "error": message}).encode()
    await send({"type": "http.response.start", "status": 429,
                "headers": [(b"content-type", b"application/json"),
                            (b"retry-after", str(math.ceil(wait)).encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
