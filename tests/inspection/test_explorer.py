"""Next-token explorer: stepping by token id, and seeded sampling as the engine samples."""

from __future__ import annotations

import pytest
import torch

from lmdemo.engine.sampling import choose, next_token_distribution
from lmdemo.errors import InputError
from lmdemo.inspection import (
    add_token,
    distribution,
    logits_after_ids,
    sample_id,
    sample_step,
    sample_token,
    step,
)
from lmdemo.params import make_params


def test_step_holds_the_ids_and_their_logits(tiny_runtime):
    state = step(tiny_runtime, "The cat")
    assert state["prompt"] == "The cat"
    assert state["ids"] == tiny_runtime.encode("The cat")
    assert torch.equal(state["logits"], logits_after_ids(tiny_runtime, state["ids"]))
    assert state["logits"].shape == (len(tiny_runtime.tokenizer),)


@pytest.mark.parametrize("prompt", ["", "   ", None])
def test_step_needs_a_prompt(tiny_runtime, prompt):
    with pytest.raises(InputError, match="Type the start of a sentence"):
        step(tiny_runtime, prompt)


def test_adding_byte_tokens_builds_the_character(tiny_runtime):
    state = step(tiny_runtime, "I like")
    pieces = tiny_runtime.tokenizer(" 好", add_special_tokens=False)["input_ids"]
    assert len(pieces) > 1  # GPT-2 spells this character as several byte tokens
    for token_id in pieces:
        state = add_token(tiny_runtime, state, token_id)
    assert state["prompt"] == "I like 好"
    assert state["ids"][-len(pieces):] == pieces
    # the logits belong to the exact ids, not to the re-tokenized text
    assert torch.equal(state["logits"], logits_after_ids(tiny_runtime, state["ids"]))


def test_sample_id_draws_as_the_engine_does(tiny_runtime):
    state = step(tiny_runtime, "Once upon a time")
    params = make_params(temperature=0.9, top_k=20, top_p=0.9, seed=11)
    probs = next_token_distribution(state["logits"], params)
    generator = torch.Generator().manual_seed(11 + len(state["ids"]))
    assert sample_id(state, 0.9, 20, 0.9, 11) == choose(probs, generator)
    assert sample_id(state, 0.0, 0, 1.0, 5) == int(torch.argmax(state["logits"]))  # greedy


def test_sample_respects_top_k(tiny_runtime):
    state = step(tiny_runtime, "The cat")
    kept = distribution(tiny_runtime, state["logits"], 1.0, 2, 1.0, 2)["candidates"][:2]
    drawn = {sample_token(tiny_runtime, state, 1.0, 2, 1.0, seed) for seed in range(20)}
    assert drawn <= {c["id"] for c in kept} and len(drawn) == 2  # both come up in 20 seeds


def test_sampling_walk_repeats_with_the_same_seed(tiny_runtime):
    def walk(seed: int) -> list[int]:
        state = step(tiny_runtime, "Once upon a time")
        for _ in range(6):
            state = sample_step(tiny_runtime, state, 1.5, 0, 1.0, seed)
        return state["ids"]

    assert walk(3) == walk(3)
    assert len({tuple(walk(seed)) for seed in range(4)}) > 1  # the seed matters


def test_bad_sampling_settings_name_the_field(tiny_runtime):
    state = step(tiny_runtime, "The cat")
    with pytest.raises(InputError, match="Temperature"):
        sample_step(tiny_runtime, state, 5.0, 0, 1.0, 1)
