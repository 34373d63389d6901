"""Next-token view: the maths of temperature, top-k, top-p and entropy on cached logits."""

from __future__ import annotations

import math

import pytest
import torch

from lmdemo.engine.sampling import next_token_distribution
from lmdemo.errors import InputError, ParamError
from lmdemo.inspection import api_next_token, distribution, next_token_logits_for
from lmdemo.inspection.next_token import CUT_SHOWN
from lmdemo.models.forward import next_token_logits
from lmdemo.params import make_params


def random_logits(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, generator=torch.Generator().manual_seed(seed)) * 3


def test_logits_come_from_the_shared_forward(tiny_runtime):
    ids = tiny_runtime.tokenizer("Hello there")["input_ids"]
    logits = next_token_logits_for(tiny_runtime, "Hello there")
    assert logits.shape == (tiny_runtime.loaded.model.config.vocab_size,)
    assert torch.equal(logits, next_token_logits(tiny_runtime.loaded, ids))


def test_empty_prompt_is_conditioned_on_eos(tiny_runtime):
    eos = tiny_runtime.tokenizer.eos_token_id
    assert torch.equal(next_token_logits_for(tiny_runtime, ""),
                       next_token_logits(tiny_runtime.loaded, [eos]))


def test_long_prompt_is_cut_to_the_window(tiny_runtime):
    logits = next_token_logits_for(tiny_runtime, "word " * (tiny_runtime.context_window + 50))
    assert torch.isfinite(logits).all()


def test_unfiltered_probabilities_sum_to_one(tiny_runtime):
    logits = random_logits(60)
    result = distribution(tiny_runtime, logits, 1.0, 0, 1.0, top_n=100)
    cands = result["candidates"]
    assert len(cands) == 60 and result["kept_count"] == 60
    assert sum(c["probability"] for c in cands) == pytest.approx(1.0, abs=1e-5)
    for c in cands:
        assert c["probability"] == pytest.approx(c["raw_probability"], rel=1e-5)
    probs = [c["probability"] for c in cands]
    assert probs == sorted(probs, reverse=True)


@pytest.mark.parametrize("k", [1, 7, 40])
def test_top_k_keeps_exactly_k(tiny_runtime, k):
    logits = random_logits(500, seed=k)
    result = distribution(tiny_runtime, logits, 0.8, k, 1.0, top_n=100)
    assert result["kept_count"] == k
    kept = [c for c in result["candidates"] if c["kept"]]
    assert {c["id"] for c in kept} == set(torch.topk(logits, k).indices.tolist())
    expected = torch.softmax(torch.topk(logits, k).values / 0.8, dim=-1)
    assert [c["probability"] for c in kept] == pytest.approx(expected.tolist(), rel=1e-4)
    cut = result["candidates"][len(kept):]
    assert len(cut) == CUT_SHOWN and not any(c["kept"] for c in cut)
    assert all(c["probability"] == 0.0 for c in cut)


@pytest.mark.parametrize(("temperature", "p"), [(1.0, 0.5), (0.7, 0.9), (1.5, 0.3)])
def test_top_p_keeps_the_minimal_nucleus(tiny_runtime, temperature, p):
    logits = random_logits(300, seed=3)
    probs = sorted(torch.softmax(logits / temperature, dim=-1).tolist(), reverse=True)
    mass, needed = 0.0, 0
    while mass < p:
        mass += probs[needed]
        needed += 1
    result = distribution(tiny_runtime, logits, temperature, 0, p, top_n=100)
    assert result["kept_count"] == needed
    kept = [c for c in result["candidates"] if c["kept"]]
    assert sum(c["probability"] for c in kept) == pytest.approx(1.0, abs=1e-5)


def test_matches_what_the_engine_samples_from(tiny_runtime):
    logits = random_logits(400, seed=5)
    result = distribution(tiny_runtime, logits, 0.9, 30, 0.8, top_n=100)
    engine_probs = next_token_distribution(logits, make_params(0.9, 30, 0.8))
    for c in result["candidates"]:
        assert c["probability"] == pytest.approx(float(engine_probs[c["id"]]), abs=1e-7)


def test_temperature_zero_is_greedy(tiny_runtime):
    logits = random_logits(100, seed=9)
    result = distribution(tiny_runtime, logits, 0.0, 50, 0.9, top_n=10)
    first = result["candidates"][0]
    assert first["id"] == int(torch.argmax(logits)) and first["probability"] == 1.0
    assert result["kept_count"] == 1
    assert result["entropy_bits"] == 0.0 and result["entropy_nats"] == 0.0


def test_entropy_by_hand(tiny_runtime):
    logits = torch.log(torch.tensor([0.5, 0.25, 0.25]))
    result = distribution(tiny_runtime, logits, 1.0, 0, 1.0)
    assert result["entropy_bits"] == pytest.approx(1.5, abs=1e-6)
    assert result["entropy_nats"] == pytest.approx(1.5 * math.log(2), abs=1e-6)
    # top-k 1 leaves a certain choice
    assert distribution(tiny_runtime, logits, 1.0, 1, 1.0)["entropy_bits"] == 0.0


def test_candidates_carry_token_text(tiny_runtime):
    logits = torch.full((tiny_runtime.loaded.model.config.vocab_size,), -10.0)
    logits[995] = 5.0  # " world"
    first = distribution(tiny_runtime, logits, 1.0, 0, 1.0, top_n=3)["candidates"][0]
    assert (first["token"], first["display"], first["id"]) == (" world", "␣world", 995)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"temperature": 3.0}, ParamError),
        ({"top_k": -1}, ParamError),
        ({"top_p": 0.0}, ParamError),
        ({"top_n": 0}, InputError),
        ({"top_n": 2.5}, InputError),
    ],
)
def test_bad_settings_are_refused(tiny_runtime, kwargs, error):
    with pytest.raises(error):
        distribution(tiny_runtime, random_logits(10), **kwargs)


def test_api_next_token_lists_only_kept_tokens(tiny_runtime):
    top = api_next_token(tiny_runtime, "Hello", temperature=1.0, top_k=3, top_p=1.0, top_n=10)
    assert len(top) == 3 and set(top[0]) == {"token", "probability"}
    probs = [t["probability"] for t in top]
    assert probs == sorted(probs, reverse=True) and sum(probs) == pytest.approx(1.0, abs=1e-5)
    assert len(api_next_token(tiny_runtime, "Hello", top_k=0, top_n=4)) == 4
