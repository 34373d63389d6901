"""Start the app: read config, load the model, build the Blocks, serve."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence

from ..config import AppConfig, load_config
from ..errors import LMDemoError
from ..tasks import TaskService

log = logging.getLogger("lmdemo")


def serve(config: AppConfig, block: bool = True):
    """Load the model (so the first visitor does not wait), then launch the server."""
    # Loading the model in a thread while gradio imports was measured slower (17 s against
    # 15 s warm): both hold the GIL most of the time on this 2-core machine.
    started = time.perf_counter()
    service = TaskService(config)
    service.engine  # noqa: B018 - loads the model, then starts the worker
    from .app import build_demo, launch_kwargs  # the only gradio import on this path

    demo = build_demo(service)
    # Generation events are not limited to one at a time: the engine schedules them. The
    # queue is capped so an overload answers "queue full" instead of hanging.
    demo.queue(default_concurrency_limit=4, max_size=config.max_queue)
    demo.launch(server_name=config.host, server_port=config.port, prevent_thread_lock=True,
                **launch_kwargs())
    loaded = service.loaded
    log.info("Ready in %.1fs with %s (%s)", time.perf_counter() - started, loaded.name,
             loaded.reason.text)
    if block:
        demo.block_thread()
    return demo, service


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
