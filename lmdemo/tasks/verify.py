"""Label-word verification: ask the model a yes/no question about a text, read its two words.

After worked examples (a shared prefix, cached across calls), the text and a question, each
row asks about one claim ("Proposed answer: Lyon / Does the text say so? Answer:"); the
score is log p(" yes") - log p(" no") at the row's end. The same label-word scoring as the
sentiment task, which reached 0.888 on SST-2 with the bundled model. All rows go through one
batched forward over the text's cache (``candidates.score``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .candidates import label_scores

if TYPE_CHECKING:
    from ..runtime import Runtime

LABELS = ("yes", "no")


def yes_no(runtime: Runtime, memo_key: str, prefix: str, body: str, rows: list[str]
           ) -> list[float] | None:
    """log p(yes) - log p(no) after ``prefix + body + row`` for each row; ``prefix`` (worked
    examples) is cached under ``memo_key``. None when the prompt would not fit the window."""
    if not rows:
        return []
    scores = label_scores(runtime, "verification", memo_key, prefix, body, rows, LABELS)
    return None if scores is None else [yes - no for yes, no in scores]
