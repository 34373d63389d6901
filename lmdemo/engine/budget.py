"""Keep the prompt plus the new tokens inside the model's context window."""

from __future__ import annotations

from dataclasses import dataclass

from ..notices import Notice, join_notices


@dataclass(frozen=True)
class Budget:
    """What fits: the prompt ids to send, how many tokens may follow, and what was cut."""

    prompt_ids: list[int]
    max_new_tokens: int
    cut_tokens: int = 0
    notices: tuple[Notice, ...] = ()

    @property
    def notice(self) -> str:
        """The notices in English, as one line."""
        return join_notices(self.notices)


def fit_budget(
    ids: list[int], max_new_tokens: int, context_window: int, keep_first: int | None = None
) -> Budget:
    """Cut the prompt from the left so that ``len(prompt) + max_new <= context_window``.

    ``keep_first`` is a token (such as <bos>) that must stay at the front. If the request
    asks for more new tokens than the window holds, the new-token budget shrinks instead.
    """
    notices = []
    limit = max(1, context_window // 2)
    if max_new_tokens > context_window - 1:
        notices.append(Notice(f"Max new tokens lowered from {max_new_tokens} to {limit}: the "
                              f"model's context window is {context_window} tokens.",
                              "notice_max_new_lowered",
                              {"asked": max_new_tokens, "limit": limit, "window": context_window}))
        max_new_tokens = limit
    room = context_window - max_new_tokens
    cut = max(0, len(ids) - room)
    if cut:
        head = [ids[0]] if keep_first is not None and ids and ids[0] == keep_first else []
        tail = ids[len(head) + cut :] if head else ids[cut:]
        ids = head + tail
        notices.append(Notice(f"The input was too long: its first {cut} tokens were cut so "
                              f"that the prompt plus {max_new_tokens} new tokens fit the "
                              f"{context_window}-token context window.", "notice_input_cut",
                              {"cut": cut, "new": max_new_tokens, "window": context_window}))
    return Budget(list(ids), max_new_tokens, cut, tuple(notices))
