"""The shared generation engine: sampling, budgets, streaming requests, scheduling."""

from .engine import Engine
from .requests import Completion, Request, TokenEvent

__all__ = ["Completion", "Engine", "Request", "TokenEvent"]
