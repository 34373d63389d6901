"""Keep the prompt plus the new tokens inside the model's context window: the one rule.

The rule, used by the engine, the server backend and every task's prompt building:
- the answer is promised ``min(max_new_tokens, window // 2)`` tokens, so the prompt may take
  the rest (``prompt_room``): never less than half the window;
- a longer prompt is cut from the left (a task shortens its own slot first, see
  ``lmdemo.tasks.contract.fit_prompt``, so the engine never has to cut a task's prompt);
- the answer then gets what the prompt leaves, up to ``max_new_tokens``.
A task fits its prompt to ``prompt_room`` and the engine applies ``fit_budget`` to the same
numbers, so the prompt a task shows as sent is exactly the one the model runs.
"""

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


def prompt_room(max_new_tokens: int, context_window: int) -> int:
    """How many tokens the prompt may take: the window less the answer's promised share."""
    return context_window - min(max_new_tokens, max(1, context_window // 2))


def fit_budget(
    ids: list[int], max_new_tokens: int, context_window: int, keep_first: int | None = None
) -> Budget:
    """Cut the prompt from the left to ``prompt_room``; the answer gets what is left.

    ``keep_first`` is a token (such as <bos>) that must stay at the front. If the prompt
    leaves fewer than ``max_new_tokens`` tokens of the window, the new-token budget shrinks.
    """
    notices = []
    room = prompt_room(max_new_tokens, context_window)
    cut = max(0, len(ids) - room)
    if cut:
        head = [ids[0]] if keep_first is not None and ids and ids[0] == keep_first else []
        tail = ids[len(head) + cut :] if head else ids[cut:]
        ids = head + tail
    new = min(max_new_tokens, context_window - len(ids))
    if new < max_new_tokens:
        notices.append(Notice(f"Max new tokens lowered from {max_new_tokens} to {new}: the "
                              f"model's context window is {context_window} tokens.",
                              "notice_max_new_lowered",
                              {"asked": max_new_tokens, "limit": new, "window": context_window}))
    if cut:
        notices.append(Notice(f"The input was too long: its first {cut} tokens were cut so "
                              f"that the prompt plus {new} new tokens fit the "
                              f"{context_window}-token context window.", "notice_input_cut",
                              {"cut": cut, "new": new, "window": context_window}))
    return Budget(list(ids), new, cut, tuple(notices))
