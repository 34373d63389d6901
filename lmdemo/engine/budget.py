"""Keep the prompt plus the new tokens inside the model's context window."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """What fits: the prompt ids to send, how many tokens may follow, and what was cut."""

    prompt_ids: list[int]
    max_new_tokens: int
    cut_tokens: int = 0
    notice: str = ""


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
        notices.append(f"Max new tokens lowered from {max_new_tokens} to {limit}: the model's "
                       f"context window is {context_window} tokens.")
        max_new_tokens = limit
    room = context_window - max_new_tokens
    cut = max(0, len(ids) - room)
    if cut:
        head = [ids[0]] if keep_first is not None and ids and ids[0] == keep_first else []
        tail = ids[len(head) + cut :] if head else ids[cut:]
        ids = head + tail
        notices.append(f"The input was too long: its first {cut} tokens were cut so that the "
                       f"prompt plus {max_new_tokens} new tokens fit the {context_window}-token "
                       "context window.")
    return Budget(list(ids), max_new_tokens, cut, " ".join(notices))
