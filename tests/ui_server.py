"""Start lmdemo's real server in-process on a free port, for client tests."""

from __future__ import annotations

import socket
from contextlib import contextmanager

from lmdemo.config import AppConfig


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(config: AppConfig):
    """Serve the app with ``config``; yield (gradio_client.Client, TaskService)."""
    from gradio_client import Client

    from lmdemo.ui import serve

    config = config.with_overrides(port=free_port(), host="127.0.0.1")
    demo, service = serve(config, block=False)
    try:
        yield Client(f"http://127.0.0.1:{config.port}/", verbose=False), service
    finally:
        demo.close()
        service.close()
