"""Gradio's translation object built from the string table, and server-side wording.

Most strings are translated in the browser (``t``). Text the server fills in, such as the
model banner, is worded on the server in the visitor's language (``say``), picked from the
request's Accept-Language header the same way the browser picks Gradio's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs

import gradio as gr

from ..errors import LMDemoError
from .strings import LANGUAGES

I18N = gr.I18n(**LANGUAGES)


def t(key: str) -> gr.i18n.I18nData:
    """A translatable UI string; unknown keys fail at build time, not in the browser."""
    if key not in LANGUAGES["en"]:
        raise KeyError(f"UI string {key!r} is missing from lmdemo/locales/en.json")
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


def language_of(request: object) -> str:
    """The visitor's language for a request: a link's ``?lang=`` if it names a table, else
    the Accept-Language header ("en" without a request)."""
    asked = getattr(request, "query_params", None) or {}
    headers = getattr(request, "headers", None)
    return choose_language(asked.get("lang"),
                           headers.get("accept-language") if headers is not None else None)


def choose_language(asked: str | None, accept_language: str | None) -> str:
    """``asked`` (a link's ``?lang=``) if it names a table, else the Accept-Language pick."""
    return asked if asked in LANGUAGES else pick_language(accept_language)


def scope_language(scope: Mapping) -> str:
    """The language of a raw (ASGI) request, for middleware that answers before Gradio: its
    ``?lang=`` (the page sends its own query with each event), else Accept-Language."""
    query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
    accept = next((value.decode("latin-1") for name, value in scope.get("headers", ())
                   if name == b"accept-language"), None)
    return choose_language((query.get("lang") or [None])[0], accept)


def say(key: str, language: str, **fields: object) -> str:
    """A table string in ``language`` (falling back to English) with its fields filled in."""
    table = LANGUAGES.get(language, LANGUAGES["en"])
    return table[key].format(**fields)


def say_message(english: str, key: str | None, fields: Mapping[str, object],
                language: str) -> str:
    """A core message (an error or a notice) in ``language``.

    English is the core's own text (en.json's). Other languages use the table entry ``key``; a
    field named ``<name>_key`` holds a table key whose wording replaces ``<name>`` (the field
    "article" becomes 文章), and a field that is itself an error (the cause a load failure
    quotes) is worded the same way. Without a key, or with fields that do not fit, the English
    text is shown.
    """
    table = LANGUAGES.get(language)
    if language == "en" or table is None or key is None or key not in table:
        return english
    values = dict(fields)
    for name, value in fields.items():
        if name.endswith("_key") and str(value) in table:
            values[name.removesuffix("_key")] = table[str(value)]
        elif isinstance(value, LMDemoError):
            values[name] = say_message(str(value), value.key, value.fields, language)
    try:
        return table[key].format(**values)
    except (KeyError, IndexError, ValueError):
        return english
