import math

import torch

from lmdemo.engine.sampling import (
    apply_repetition_penalty,
    choose,
    filter_logits,
    next_token_distribution,
)
from lmdemo.params import make_params


def test_top_k_keeps_exactly_k():
    logits = torch.tensor([1.0, 5.0, 3.0, 4.0, 2.0])
    kept = torch.isfinite(filter_logits(logits, top_k=2, top_p=1.0))
    assert kept.tolist() == [False, True, False, True, False]


def test_top_p_keeps_smallest_set_reaching_p():
    probs = torch.tensor([0.5, 0.3, 0.15, 0.05])
    logits = probs.log()
    kept = torch.isfinite(filter_logits(logits, top_k=0, top_p=0.75))
    # 0.5 < 0.75, 0.5 + 0.3 >= 0.75: the first two tokens form the nucleus
    assert kept.tolist() == [True, True, False, False]
    assert torch.isfinite(filter_logits(logits, 0, 0.5)).tolist() == [True, False, False, False]


def test_distribution_sums_to_one_and_greedy_is_one_hot():
    logits = torch.randn(1000, generator=torch.Generator().manual_seed(0))
    probs = next_token_distribution(logits, make_params(temperature=0.7, top_k=0, top_p=1.0))
    assert math.isclose(float(probs.sum()), 1.0, rel_tol=1e-5)
    greedy = next_token_distribution(logits, make_params(temperature=0))
    assert float(greedy.max()) == 1.0 and int(greedy.argmax()) == int(logits.argmax())


def test_repetition_penalty_shrinks_seen_logits():
    logits = torch.tensor([2.0, -2.0, 1.0])
    apply_repetition_penalty(logits, torch.tensor([0, 1, 1]), 2.0)
    assert logits.tolist() == [1.0, -4.0, 1.0]


def test_same_generator_seed_same_choices():
    probs = torch.softmax(torch.randn(50, generator=torch.Generator().manual_seed(1)), dim=-1)
    draws = [[choose(probs, g) for _ in range(20)]
             for g in (torch.Generator().manual_seed(5), torch.Generator().manual_seed(5))]
    assert draws[0] == draws[1]
    assert len(set(draws[0])) > 1
