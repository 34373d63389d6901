"""Start the app: read config, load the model, build the Blocks, serve."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..config import AppConfig, load_config
from ..errors import LMDemoError

if TYPE_CHECKING:
    from starlette.middleware import Middleware

    from ..runtime import Runtime

# Nothing heavy at the top: ``app.py --help`` and a bad flag answer before torch, transformers
# and gradio load (each import below happens when the server starts).

log = logging.getLogger("lmdemo")

# Named endpoints that start generations but are not engine-scheduled events themselves.
GENERATING_APIS = frozenset({"bias_probe"})


def metered_events(demo) -> tuple[set[int], set[str]]:
    """The events a rate limit counts: those that feed the engine (they run without a
    concurrency limit because the engine schedules them) and the generating API endpoints.
    Returns (fn indices, api names)."""
    fns = {index: fn for index, fn in demo.fns.items()
           if fn.concurrency_limit is None or fn.api_name in GENERATING_APIS}
    return set(fns), {fn.api_name for fn in fns.values() if fn.api_name}


def hosted_summary(config: AppConfig) -> str:
    """The log line that says hosted mode is on, with the limits it set."""
    limit = (f"{config.rate_limit} generation calls a minute per client" if config.rate_limit
             else "no rate limit")
    if config.rate_limit and config.trusted_proxies:
        proxies = ", ".join(config.trusted_proxies)
        limit += f" (the client: X-Forwarded-For from {proxies})"
    elif config.rate_limit:
        limit += " (the client: the connection's address; --trusted-proxy names a proxy)"
    return (f"Hosted mode is on: catalogue models only, inputs up to {config.max_input_chars} "
            f"characters, max_new_tokens up to {config.max_new_tokens}, a queue of "
            f"{config.max_queue}, {limit}, no uploads.")


def rate_limit_middleware(config: AppConfig, demo) -> list[Middleware]:
    """The per-client rate limit on generation calls, when the config sets one."""
    if config.rate_limit <= 0:
        return []
    from starlette.middleware import Middleware

    from .ratelimit import RateLimitMiddleware

    fns, names = metered_events(demo)
    # X-Forwarded-For names the visitor only behind a proxy that sets it (a Space, or one
    # given with --trusted-proxy); from anyone else it is the client's own word, so unused.
    return [Middleware(RateLimitMiddleware, per_minute=config.rate_limit, metered_fns=fns,
                       metered_names=names, trusted_proxies=config.trusted_proxies)]


def serve(config: AppConfig, block: bool = True, runtime: Runtime | None = None):
    """Serve the page first, then load the model (or connect to the server) in the
    background; returns (demo, runtime) at once, before the model is ready.

    A first start converts the bundled model for minutes, and a port that stays closed reads
    as a dead server; so the page answers within seconds and shows the load's progress
    (lmdemo/ui/status.py). ``runtime``: one made with ``background=True`` (tests pass one
    with a slow loader).
    """
    # here, not at the top: --help answers before torch loads
    from ..shelf import Shelf, VisitorRuntime

    started = time.perf_counter()
    from starlette.middleware import Middleware

    from ..classroom import Classroom
    from .adapters import visitor_session
    from .app import build_demo, launch_kwargs  # the only gradio import on this path
    from .endpoints import exact_mcp
    from .follow_stream import ClassEvents
    from .long_urls import RefuseLongUrls
    from .uploads import RefuseUploads

    # One runtime per model the app offers (--models), each visitor on the one they picked.
    shelf = Shelf(config, background=True, visitor=visitor_session) if runtime is None else \
        Shelf(config, lambda _config: runtime, visitor=visitor_session)
    shelf.check()  # a model name that is no model stops the app here, before it serves
    visitor_runtime = VisitorRuntime(shelf)
    classroom = Classroom()  # the classes students follow, shared by the page and the stream
    demo = build_demo(visitor_runtime, classroom, shelf)
    # Generation events are not limited to one at a time: the engine schedules them. The
    # queue is capped so an overload answers "queue full" instead of hanging.
    demo.queue(default_concurrency_limit=4, max_size=config.max_queue)
    # MCP: every task (and teaching view) is a tool at /gradio_api/mcp/, described by its
    # endpoint's docstring; --no-mcp turns it off.
    kwargs = launch_kwargs()
    # A URL too long for Gradio gets a page that says so (lmdemo/ui/long_urls.py); no input
    # takes a file, so Gradio's upload route is closed (lmdemo/ui/uploads.py); the hosted
    # rate limit is middleware too.
    app_kwargs = dict(kwargs.get("app_kwargs") or {})  # type: ignore[call-overload]
    app_kwargs["middleware"] = [Middleware(RefuseLongUrls), *app_kwargs.get("middleware", []),
                                Middleware(RefuseUploads),
                                Middleware(ClassEvents, classroom=classroom),
                                *rate_limit_middleware(config, demo)]
    kwargs["app_kwargs"] = app_kwargs
    # Gradio keeps each session's component state, ~490 KB here, for up to 10,000 sessions
    # by default; session_capacity bounds that (the least recently used session goes first).
    demo.launch(server_name=config.host, server_port=config.port, prevent_thread_lock=True,
                mcp_server=config.mcp, state_session_capacity=config.session_capacity,
                **kwargs)
    exact_mcp(demo)  # JSON results and every default in the tool schemas
    # Loading only now, after the port is open: loading while gradio imports was measured
    # slower (17 s against 15 s warm), as both hold the GIL most of the time on 2 cores.
    shelf.start()
    if config.hosted:
        log.info("%s", hosted_summary(config))
    log.info("Serving in %.1fs; the model loads in the background (the page shows its "
             "progress)", time.perf_counter() - started)
    if block:
        demo.block_thread()
    return demo, visitor_runtime


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> None:
    """Entry point of ``python app.py`` and ``python -m lmdemo serve``."""
    try:  # a bad flag or setting is one line, as on the rest of the command line
        config = load_config(sys.argv[1:] if argv is None else argv, prog=prog)
    except LMDemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        serve(config)
    except LMDemoError as exc:
        log.error("%s", exc)
        raise SystemExit(2) from exc
