"""Label-word verification: ask the model a yes/no question about a text, read its two words.

After worked examples (a shared prefix, cached across calls), the text and a question, each
row asks about one claim ("Proposed answer: Lyon / Does the text say so? Answer:"); the
score is log p(" yes") - log p(" no") at the row's end. The same label-word scoring as the
sentiment task, which reached 0.888 on SST-2 with the bundled model. All rows go through one
batched forward over the text's cache (``candidates.score``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..backends.local import label_token_ids
from .candidates import score
from .spans import PrefixCache

if TYPE_CHECKING:
    from ..runtime import Runtime

LABELS = ("yes", "no")


def yes_no(runtime: Runtime, memo_key: str, prefix: str, body: str, rows: list[str]
           ) -> list[float] | None:
    """log p(yes) - log p(no) after ``prefix + body + row`` for each row; ``prefix`` (worked
    examples) is cached under ``memo_key``. None when the prompt would not fit the window."""
    if not rows:
        return []
    loaded = runtime.weights("verification")
    tokenizer = loaded.tokenizer

    def ids(text: str) -> list[int]:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])  # type: ignore

    prefix_ids = runtime.encode(prefix)
    body_ids = ids(body)
    row_ids = [ids(row) for row in rows]
    if len(prefix_ids) + len(body_ids) + max(map(len, row_ids)) > loaded.context_window:
        return None
    cache = runtime.memo(memo_key, PrefixCache)
    scores = runtime.call(score, loaded, cache, prefix_ids, body_ids, row_ids,
                          label_token_ids(tokenizer, LABELS))
    return [yes - no for yes, no in scores]
