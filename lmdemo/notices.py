"""What a run tells its reader besides the answer (an input was cut, a setting was lowered).

A notice is English text for logs and the CLI, plus a string-table key and fields so the UI
can say it in the visitor's language. Every layer may make one; only the UI translates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Notice:
    """Something the reader should know about a run: English text, and a string-table key
    with its fields for other languages (no key: the text is shown as it is)."""

    text: str
    key: str | None = None
    fields: Mapping[str, object] = field(default_factory=dict)


def join_notices(notices: Iterable[Notice]) -> str:
    """The notices as one English line (the CLI and logs)."""
    return " ".join(n.text for n in notices if n.text)
