"""Refuse file uploads: the app has no file inputs, so ``/gradio_api/upload`` is closed.

Gradio serves ``POST /gradio_api/upload`` for every app, whatever its inputs. Left open it
takes any file of any size into the server's temporary folder and answers with its absolute
path. This ASGI middleware answers 403 before Gradio reads a byte of the body.
"""

from __future__ import annotations

import json
import logging

log = logging.getLogger(__name__)
UPLOAD_PATH = "/gradio_api/upload"
MESSAGE = "This app takes no files: uploads are turned off."


class RefuseUploads:
    """ASGI middleware: 403 for any request to Gradio's upload route (mounted at any root)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Answer an upload with 403; pass everything else on."""
        if scope["type"] == "http" and scope.get("path", "").rstrip("/").endswith(UPLOAD_PATH):
            log.info("Refused an upload (%s %s)", scope.get("method"), scope.get("path"))
            body = json.dumps({"detail": MESSAGE}).encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()),
                                    (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
