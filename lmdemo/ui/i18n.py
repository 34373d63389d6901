"""Gradio's translation object built from the string table."""

from __future__ import annotations

import gradio as gr

from .strings import LANGUAGES

I18N = gr.I18n(**LANGUAGES)


def t(key: str) -> gr.i18n.I18nData:
    """A translatable UI string; unknown keys fail at build time, not in the browser."""
    if key not in LANGUAGES["en"]:
        raise KeyError(f"UI string {key!r} is missing from lmdemo/ui/strings.py")
    return I18N(key)
