"""The chrF score and the few-shot turns of the chat-translation check
(lmdemo/eval/chat_translate.py)."""

from __future__ import annotations

import pytest

from lmdemo.eval.chat_translate import as_turns, chrf
from lmdemo.tasks.catalog.translate import TRANSLATION_EXAMPLES


def test_chrf_is_one_for_the_reference_and_zero_for_nothing_shared():
    assert chrf("Le chat dort.", "Le chat dort.") == pytest.approx(1.0)
    assert chrf("xyz", "abc") == 0.0


def test_chrf_weighs_recall_over_precision():
    reference = "Le chat dort sur le lit."
    short = chrf("Le chat", reference)  # precise, little recall
    long = chrf(reference + " Et le chien aussi, toute la nuit.", reference)  # all recall
    assert 0 < short < long < 1


class Template:
    def apply_chat_template(self, messages, add_generation_prompt, tokenize):
        assert add_generation_prompt and not tokenize
        return "|".join(f"{m['role']}:{m['content']}" for m in messages)


def test_the_pairs_become_turns_and_the_text_the_last_user_turn():
    turns = as_turns(Template(), "Good morning.").split("|")
    pairs = TRANSLATION_EXAMPLES["French"]
    assert len(turns) == 2 * len(pairs) + 1
    assert turns[0] == f"user:{pairs[0][0]}" and turns[1] == f"assistant:{pairs[0][1]}"
    assert turns[-1] == "user:Good morning."
