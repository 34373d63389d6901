"""Start the app: read config, load the model, build the Blocks, serve."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence

from ..config import AppConfig, load_config
from ..errors import LMDemoError
from ..runtime import Runtime

log = logging.getLogger("lmdemo")


def serve(config: AppConfig, block: bool = True):
    """Load the model or connect to the server (so the first visitor does not wait), then
    launch the app; returns (demo, runtime)."""
    # Loading the model in a thread while gradio imports was measured slower (17 s against
    # 15 s warm): both hold the GIL most of the time on this 2-core machine.
    started = time.perf_counter()
    runtime = Runtime(config)
    runtime.backend  # noqa: B018 - loads the model and starts the engine (or connects)
    from starlette.middleware import Middleware

    from .app import build_demo, launch_kwargs  # the only gradio import on this path
    from .uploads import RefuseUploads

    demo = build_demo(runtime)
    # Generation events are not limited to one at a time: the engine schedules them. The
    # queue is capped so an overload answers "queue full" instead of hanging.
    demo.queue(default_concurrency_limit=4, max_size=config.max_queue)
    # MCP: every task (and teaching view) is a tool at /gradio_api/mcp/, described by its
    # endpoint's docstring; --no-mcp turns it off.
    kwargs = launch_kwargs()
    # No input takes a file, so Gradio's upload route is closed (lmdemo/ui/uploads.py).
    app_kwargs = dict(kwargs.get("app_kwargs") or {})  # type: ignore[call-overload]
    app_kwargs["middleware"] = [*app_kwargs.get("middleware", []), Middleware(RefuseUploads)]
    kwargs["app_kwargs"] = app_kwargs
    demo.launch(server_name=config.host, server_port=config.port, prevent_thread_lock=True,
                mcp_server=config.mcp, **kwargs)
    log.info("Ready in %.1fs with %s via %s (%s)", time.perf_counter() - started,
             runtime.model_name, runtime.describe(), runtime.loaded.reason.text)
    if block:
        demo.block_thread()
    return demo, runtime


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python app.py`` and ``python -m lmdemo serve``."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(sys.argv[1:] if argv is None else argv)
        serve(config)
    except LMDemoError as exc:
        log.error("%s", exc)
        raise SystemExit(2) from exc
