"""The Gradio user interface (the only part of lmdemo that imports gradio)."""

from .app import build_demo
from .launch import main, serve

__all__ = ["build_demo", "main", "serve"]
