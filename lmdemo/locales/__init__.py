"""Every user-visible string, one JSON file per language: ``en.json``, ``zh-CN.json``.

A translator edits one file and touches no Python (README: "Add a language"). Keys are
grouped by their prefix (``err_``, ``help_``, ``learn_``, ``tab_``...); a ``{name}`` in a
string is filled on the server (``say`` in the UI, ``english`` here), so both files must use
the same placeholders for a key, which a test checks. The core reads only the English file,
for the text of errors raised with a key (``lmdemo.errors``); the UI hands both to Gradio.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).parent
LANGUAGES = ("en", "zh-CN")  # the first is the fallback and the language of logs and the API


@cache
def table(language: str) -> dict[str, str]:
    """The strings of ``language`` (one of LANGUAGES), read once."""
    if language not in LANGUAGES:
        raise KeyError(f"No string table for {language!r}; languages: {', '.join(LANGUAGES)}")
    with open(FOLDER / f"{language}.json", encoding="utf-8") as handle:
        return json.load(handle)


def english(key: str, **fields: object) -> str:
    """The English string ``key`` with its ``{placeholders}`` filled from ``fields``; a field
    ``<name>_key`` fills ``{name}`` with that key's English when ``name`` is not given."""
    strings = table("en")
    worded = {name.removesuffix("_key"): strings[str(value)] for name, value in fields.items()
              if name.endswith("_key") and name.removesuffix("_key") not in fields
              and str(value) in strings}
    return strings[key].format(**fields, **worded)
