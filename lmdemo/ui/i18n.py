"""Gradio's translation object built from the string table, and server-side wording.

Most strings are translated in the browser (``t``). Text the server fills in, such as the
model banner, is worded on the server in the visitor's language (``say``), picked from the
request's Accept-Language header the same way the browser picks Gradio's locale.
"""

from __future__ import annotations

import gradio as gr

from .strings import LANGUAGES

I18N = gr.I18n(**LANGUAGES)


def t(key: str) -> gr.i18n.I18nData:
    """A translatable UI string; unknown keys fail at build time, not in the browser."""
    if key not in LANGUAGES["en"]:
        raise KeyError(f"UI string {key!r} is missing from lmdemo/ui/strings.py")
    return I18N(key)


def pick_language(accept_language: str | None) -> str:
    """The table's language that best matches an Accept-Language header ("en" by default)."""
    choices = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag:
            choices.append((weight, tag.lower()))
    for _, tag in sorted(choices, key=lambda c: -c[0]):  # stable: header order breaks ties
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"


def say(key: str, language: str, **fields: object) -> str:
    """A table string in ``language`` (falling back to English) with its fields filled in."""
    table = LANGUAGES.get(language, LANGUAGES["en"])
    return table[key].format(**fields)
