"""Start lmdemo's real server in-process on a free port, for client tests."""

from __future__ import annotations

from contextlib import contextmanager

from lmdemo.bench.startup import free_port
from lmdemo.config import AppConfig

READY_S = 300  # the tiny model loads in seconds; a real one on a busy CPU takes longer


@contextmanager
def running_app(config: AppConfig, runtime=None, ready: bool = True):
    """Serve the app with ``config`` (on ``runtime`` if given) and, when ``ready``, wait for
    its model; yield (gradio_client.Client, Runtime)."""
    from gradio_client import Client

    from lmdemo.ui.launch import serve

    config = config.with_overrides(port=free_port(), host="127.0.0.1")
    demo, runtime = serve(config, block=False, runtime=runtime)
    try:
        if ready:
            status = runtime.wait_ready(READY_S)
            assert status.ready, f"the model did not load: {status.describe()} {status.error}"
        yield Client(f"http://127.0.0.1:{config.port}/", verbose=False), runtime
    finally:
        demo.close()
        runtime.close()
