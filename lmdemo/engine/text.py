"""Incremental detokenization with stop sequences.

Decoding token by token can split a multi-byte character (Chinese, emoji) across tokens,
and a stop sequence can arrive in pieces. This tracker emits only text that is final: it
holds back a trailing replacement character and any tail that could start a stop sequence.
"""

from __future__ import annotations


class TextTracker:
    """Follows the generated ids of one request and yields safe-to-show text deltas."""

    def __init__(self, tokenizer: object, stop: tuple[str, ...] = ()):
        self._tokenizer = tokenizer
        self._stop = stop
        self.ids: list[int] = []
        self.emitted = ""
        self.stopped = False

    def _decode(self) -> str:
        return self._tokenizer.decode(self.ids, skip_special_tokens=True)  # type: ignore[attr-defined]

    def add(self, token_id: int) -> str:
        """Record one token; return the new text that can be shown now."""
        self.ids.append(token_id)
        full = self._decode()
        hits = [i for i in (full.find(s) for s in self._stop) if i >= 0]
        if hits:
            self.stopped = True
            return self._advance(full[: min(hits)])
        safe = len(full)
        while safe > 0 and full[safe - 1] == "\ufffd":
            safe -= 1
        hold = 0
        for s in self._stop:
            for n in range(min(len(s) - 1, safe), hold, -1):
                if full[:safe].endswith(s[:n]):
                    hold = n
                    break
        safe -= hold
        return self._advance(full[:safe])

    def finish(self) -> str:
        """Flush what was held back once generation ends without a stop sequence."""
        if self.stopped:
            return ""
        return self._advance(self._decode())

    def _advance(self, text: str) -> str:
        # A later token can, rarely, change how earlier bytes decode; shown text is never
        # taken back, so only what lies past it is emitted.
        delta = text[len(self.emitted) :]
        if delta:
            self.emitted = text
        return delta
