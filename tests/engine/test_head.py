"""The int8 candidate head: exact where the sampler can tell, and within TAIL_MASS elsewhere."""

from __future__ import annotations

import time

import pytest
import torch

from lmdemo.engine import head as head_module
from lmdemo.engine.head import FIRST, TAIL_MASS, CandidateHead, RowNeed
from lmdemo.engine.sampling import next_token_distribution
from lmdemo.params import make_params

VOCAB, HIDDEN = 4096, 48


@pytest.fixture(scope="module")
def weight() -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    # a few large entries per row, as real output matrices have: int8 rounding then matters
    w = torch.randn(VOCAB, HIDDEN, generator=generator) * 0.05
    w[:, :3] *= 20
    return w


@pytest.fixture(scope="module")
def head(weight) -> CandidateHead:
    return CandidateHead(weight)


def _hidden(weight: torch.Tensor, rows: int, seed: int, scale: float) -> torch.Tensor:
    """Hidden states that lean towards a random token each, plus noise."""
    generator = torch.Generator().manual_seed(seed)
    pointed = torch.randint(0, VOCAB, (rows,), generator=generator)
    return weight[pointed] * scale + torch.randn(rows, HIDDEN, generator=generator)


@torch.inference_mode()
def test_error_bound_holds(head, weight):
    hidden = _hidden(weight, 16, 1, 3.0)
    error = (head.cheap(hidden) - hidden @ weight.T).abs()
    assert error.max() > 0  # int8 does round
    assert bool((error <= head.error_bounds(hidden)).all())


@torch.inference_mode()
@pytest.mark.parametrize("seed", range(6))
def test_greedy_pick_equals_exact_head(head, weight, seed):
    hidden = _hidden(weight, 8, seed, 2.0)
    exact = hidden @ weight.T
    seen = torch.randint(0, VOCAB, (40,), generator=torch.Generator().manual_seed(seed))
    banned = torch.tensor([int(exact[0].argmax()), 7, 8])  # the raw favourite of row 0 too
    needs = [RowNeed(0.0, 0, seen, 1.3)] * 4 + [RowNeed()] * 4
    logits = head(hidden, needs, banned)
    params = [make_params(temperature=0, repetition_penalty=1.3)] * 4 + \
        [make_params(temperature=0, repetition_penalty=1.0)] * 4
    for row, (need, p) in enumerate(zip(needs, params, strict=True)):
        seen_row = need.seen if need.seen is not None else None
        want = next_token_distribution(exact[row], p, seen_row, banned).argmax()
        got = next_token_distribution(logits[row], p, seen_row, banned).argmax()
        assert int(got) == int(want)


def _total_variation(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().sum() / 2)


@torch.inference_mode()
@pytest.mark.parametrize("temperature,top_k,top_p", [(0.7, 50, 0.95), (1.0, 0, 1.0),
                                                     (1.5, 0, 0.99), (1.0, 40, 1.0)])
def test_sampled_distribution_within_tail_bound(head, weight, temperature, top_k, top_p):
    """The distribution a row is sampled from moves by at most TAIL_MASS (total variation)
    against the one the whole exact row gives, flat rows (which take the exact head) and
    peaked ones alike."""
    params = make_params(temperature=temperature, top_k=top_k, top_p=top_p,
                         repetition_penalty=1.2)
    for scale in (0.3, 2.0, 6.0):
        hidden = _hidden(weight, 6, int(scale * 10), scale)
        exact = hidden @ weight.T
        seen = torch.arange(100, 130)
        need = RowNeed(temperature, top_k, seen, 1.2)
        logits = head(hidden, [need] * 6)
        for row in range(6):
            want = next_token_distribution(exact[row], params, seen)
            got = next_token_distribution(logits[row], params, seen)
            assert _total_variation(want, got) <= TAIL_MASS


@torch.inference_mode()
def test_top_k_candidates_are_exact(head, weight):
    hidden = _hidden(weight, 4, 3, 6.0)
    exact = hidden @ weight.T
    logits = head(hidden, [RowNeed(0.7, 20)] * 4)
    for row in range(4):
        top = torch.topk(exact[row], 20).indices
        assert torch.allclose(logits[row, top], exact[row, top], atol=1e-4)


@torch.inference_mode()
def test_rows_that_show_odds_get_the_whole_row_exact(head, weight):
    hidden = _hidden(weight, 3, 5, 2.0)
    exact = hidden @ weight.T
    logits = head(hidden, [RowNeed(exact=True), RowNeed(), RowNeed(exact=True)])
    assert torch.allclose(logits[0], exact[0], atol=1e-4)
    assert torch.allclose(logits[2], exact[2], atol=1e-4)
    assert not torch.allclose(logits[1], exact[1], atol=1e-4)  # the rest are estimates


@torch.inference_mode()
def test_first_candidates_suffice_for_peaked_rows(head, weight, monkeypatch):
    grown = []
    monkeypatch.setattr(CandidateHead, "_grow", lambda self, *args: grown.append(1) or
                        (None, None))
    hidden = _hidden(weight, 4, 9, 8.0)
    head(hidden, [RowNeed()] * 4)
    assert not grown
    assert FIRST < VOCAB


def test_choose_keeps_only_sizes_where_int8_wins(head, caplog):
    def slow(hidden):  # an exact head far slower than int8 at every size
        time.sleep(0.2)
        return torch.zeros(hidden.shape[0], VOCAB)

    def instant(hidden):  # one no int8 path can beat
        return hidden

    with caplog.at_level("INFO"):
        assert head.choose(slow, repeats=2) == frozenset(head_module.ROWS_TIMED)
    assert "Output head: int8 candidates" in caplog.text
    assert head.use_for(1) and head.use_for(12)
    assert head.choose(instant, repeats=2) == frozenset()
    assert not head.use_for(1)
