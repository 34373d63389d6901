"""Start lmdemo's real server in-process on a free port, for client tests."""

from __future__ import annotations

from contextlib import contextmanager

from lmdemo.bench.startup import free_port
from lmdemo.config import AppConfig


@contextmanager
def running_app(config: AppConfig):
    """Serve the app with ``config``; yield (gradio_client.Client, Runtime)."""
    from gradio_client import Client

    from lmdemo.ui.launch import serve

    config = config.with_overrides(port=free_port(), host="127.0.0.1")
    demo, runtime = serve(config, block=False)
    try:
        yield Client(f"http://127.0.0.1:{config.port}/", verbose=False), runtime
    finally:
        demo.close()
        runtime.close()
