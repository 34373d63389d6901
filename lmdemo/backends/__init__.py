"""Where tokens come from: the in-process engine, or an OpenAI-compatible server.

A backend takes a prompt (its token ids and its text) and decoding settings and returns a
streaming ``Request``, the same handle whichever backend made it. The tokenizer always stays
local (``lmdemo.runtime``), so budgets and the tokenizer view work with every backend.
"""

from .base import Backend, Capabilities
from .local import LocalBackend

__all__ = ["Backend", "Capabilities", "LocalBackend"]
