"""Decide quickly whether a hub model can be had, so an offline start stays fast.

Without this, a download attempt on a machine with no internet fails only after about
24 s of retries. We check the local cache first, then make one short TCP probe.
"""

from __future__ import annotations

import logging
import socket
from urllib.parse import urlparse

from huggingface_hub import constants, try_to_load_from_cache

log = logging.getLogger(__name__)


def in_local_cache(repo_id: str) -> bool:
    """True when the repo's config.json is already in the Hugging Face cache."""
    try:
        found = try_to_load_from_cache(repo_id, "config.json")
    except Exception:  # a malformed id is simply "not cached"
        return False
    return isinstance(found, str)


def hub_reachable(timeout: float) -> tuple[bool, str]:
    """One short connection attempt to the hub endpoint; returns (ok, what).

    ``what`` is the host that was tried, or the setting that forbids trying: words that read
    the same in every language, fit for the page's banner. The exception itself (a DNS
    error, say) goes to the log only.
    """
    if constants.HF_HUB_OFFLINE:
        return False, "HF_HUB_OFFLINE=1"
    url = urlparse(constants.ENDPOINT)
    host = url.hostname or "huggingface.co"
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True, host
    except OSError as exc:
        log.info("The hub probe to %s:%s failed: %s: %s", host, port, type(exc).__name__, exc)
        return False, host
