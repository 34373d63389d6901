"""Plain-language explanations shown next to each inspection view, keyed by view name.

The text is the English string table's ``explain_<view>`` (``lmdemo/locales/en.json``), so the
page and the API say the same.
"""

from __future__ import annotations

from ..locales import table

VIEWS = ("tokenizer", "next_token", "generation", "attention", "embeddings", "bias")
EXPLANATIONS: dict[str, str] = {view: table("en")[f"explain_{view}"] for view in VIEWS}
