"""Checks every text a person sends (task fields, templates, the views' words and prompts).

One rule for all of them, so no endpoint is looser than another:
- text must be a string: a number or a list sent through the API is an error, not text;
- it may hold at most ``config.max_input_chars`` characters, checked before anything else
  reads it (a 200,000-character word must not reach the tokenizer);
- it must be valid Unicode: a lone UTF-16 surrogate (``"\\ud800"``, which JSON can carry)
  cannot be encoded, and every tokenizer fails on it.

The errors carry a key and fields so the UI can word them in the visitor's language; a field
named ``what_key`` holds the UI string that names the input ("article" -> 文章).
"""

from __future__ import annotations

import math

from .errors import InputError

SHOWN_CHARS = 40  # how much of a person's text a message or a log line may repeat


def kind_of(value: object) -> str:
    """A plain-English name for a value's type, for messages ("a number", "a list")."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__} value"


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (for messages and logs)."""
    return text if len(text) <= limit else text[:limit] + "…"


def check_chars(value: object, what: str, max_chars: int, what_key: str | None = None) -> str:
    """Return ``value`` unchanged if it is a string of valid Unicode within ``max_chars``.

    Blank text passes: whether blank is allowed, and how to say so, is the caller's call.
    """
    names = {"what": what, "what_key": what_key or what}
    if not isinstance(value, str):
        kind = kind_of(value)
        raise InputError(key="err_not_text", kind=kind,
                         kind_key=f"kind_{_KIND_KEYS.get(kind, 'other')}", **names)
    if len(value) > max_chars:
        raise InputError(key="err_too_long", length=f"{len(value):,}", limit=f"{max_chars:,}",
                         **names)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = f"U+{ord(value[exc.start]):04X}"
        raise InputError(key="err_surrogate", code=code,
                         position=f"{exc.start + 1:,}", **names) from None
    return value


def check_text(value: object, what: str, max_chars: int, what_key: str | None = None) -> str:
    """A required text field: valid (see ``check_chars``) and not blank; returned stripped."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(key="err_empty", what=what, what_key=what_key or what)
    return check_chars(value, what, max_chars, what_key).strip()


_KIND_KEYS = {"nothing": "nothing", "true/false": "bool", "a number": "number",
              "a list": "list", "an object": "object"}


def show_value(value: object) -> str:
    """A value as a message may quote it: its repr, at most SHOWN_CHARS characters, and a
    huge whole number as its size (``str`` of a 400-digit number is no use to a reader)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"{'-' if value < 0 else ''}about 1e+{math.floor(math.log10(abs(value)))}"
    return shorten(repr(value))


def check_words(words: object, what: str, max_chars: int, what_key: str | None = None
                ) -> list[str]:
    """Words from a list or a comma-separated string, blanks and repeats dropped; the whole
    input is held to ``max_chars`` before it is split."""
    if isinstance(words, str):
        items: list[object] = list(check_chars(words, what, max_chars, what_key).split(","))
    elif isinstance(words, (list, tuple)):
        items = list(words)
        if len(items) > max_chars:
            raise InputError(key="err_too_many_items", what=what, what_key=what_key or what,
                             count=f"{len(items):,}", limit=f"{max_chars:,}")
        for item in items:
            check_chars(item, what, max_chars, what_key)
        check_chars(",".join(items), what, max_chars, what_key)  # type: ignore[arg-type]
    elif words is None:
        items = []
    else:
        check_chars(words, what, max_chars, what_key)  # raises: not text
        items = []
    out: list[str] = []
    for item in items:
        word = str(item).strip()
        if word and word not in out:
            out.append(word)
    return out
