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


# ---- fast paths against the full-sort and full-copy versions they replace ---------------
import pytest  # noqa: E402

from lmdemo.engine import sampling  # noqa: E402
from lmdemo.engine.sampling import nucleus_drop, sample_rows  # noqa: E402


def _full_sort_drop(values: torch.Tensor, top_p: float) -> list[int]:
    """The nucleus as computed before: sort every value, softmax, cumulative mass."""
    sorted_values, order = torch.sort(values, descending=True)
    probs = torch.softmax(sorted_values, dim=-1)
    drop = (torch.cumsum(probs, dim=-1) - probs) >= top_p
    drop[0] = False
    return sorted(order[drop].tolist())


@pytest.mark.parametrize("scale", [0.3, 1.0, 4.0, 12.0])  # flat to peaked distributions
@pytest.mark.parametrize("top_p", [0.01, 0.5, 0.9, 0.95, 0.999])
def test_bounded_nucleus_is_the_full_sort_nucleus(scale, top_p):
    for seed in range(5):
        values = torch.randn(20000, generator=torch.Generator().manual_seed(seed)) * scale
        fast, full = set(nucleus_drop(values, top_p).tolist()), set(_full_sort_drop(values, top_p))
        # the two float32 sums may only disagree on a token whose mass above it is top_p
        # within rounding (computed here in float64)
        probs = torch.softmax(values.double(), dim=-1)
        for token in fast ^ full:
            above = float(probs[probs > probs[token]].sum())
            assert abs(above - top_p) < 1e-5, (token, above)
        assert len(fast ^ full) <= len(full) // 100


def test_bounded_nucleus_grows_past_its_first_guess(monkeypatch):
    monkeypatch.setattr(sampling, "NUCLEUS_FIRST", 4)
    values = torch.zeros(1000)  # flat: the nucleus needs 900 tokens
    assert nucleus_drop(values, 0.9).numel() == 100
    sorts = []
    real_sort = torch.sort
    monkeypatch.setattr(torch, "sort", lambda *a, **k: sorts.append(1) or real_sort(*a, **k))
    nucleus_drop(torch.randn(1000) * 8, 0.5)
    assert not sorts  # a peaked row never sorts the whole of it


def _full_path(logits, params, seen, banned):
    """sample_rows' greedy choice as it was: mask and penalise a copy, then argmax."""
    penalised = sampling._penalised(logits, params, seen, banned)
    return penalised.argmax(dim=-1).tolist()


def test_greedy_fast_path_picks_what_the_full_path_picks():
    gen = torch.Generator().manual_seed(3)
    for case in range(60):
        logits = torch.randn(6, 300, generator=gen)
        top = logits.argmax(-1)
        banned = torch.tensor(sorted({int(top[0]), 7, 299}))  # row 0's argmax is banned
        seen = [torch.tensor([int(top[1]), 5]),  # row 1 saw its argmax: the penalty matters
                torch.tensor([], dtype=torch.long), torch.tensor([int(top[3])]),
                torch.randint(0, 300, (20,), generator=gen), torch.tensor([1, 2])]
        seen.append(torch.tensor([int(top[5])]))
        penalty = [1.3, 1.3, 1.0, 1.0, 2.0, 1.0][case % 6:] + [1.3, 1.3, 1.0, 1.0, 2.0][:case % 6]
        params = [make_params(temperature=0, repetition_penalty=penalty[i]) for i in range(6)]
        draws = sample_rows(logits, params, seen, [None] * 6, banned=banned)
        assert [d.token for d in draws] == _full_path(logits, params, seen, banned)
        assert all(d.token not in banned.tolist() for d in draws)


def test_mixed_greedy_and_sampled_rows_keep_their_own_draws():
    logits = torch.randn(4, 500, generator=torch.Generator().manual_seed(9))
    banned = torch.tensor([int(logits[2].argmax())])
    greedy, sampled = make_params(temperature=0), make_params(temperature=0.9, top_k=0,
                                                              top_p=0.9, seed=1)
    params = [sampled, greedy, greedy, sampled]
    seen = [torch.tensor([], dtype=torch.long)] * 4
    gens = [torch.Generator().manual_seed(1), None, None, torch.Generator().manual_seed(2)]
    draws = sample_rows(logits, params, seen, gens, banned=banned)
    alone = [sample_rows(logits[i : i + 1], [params[i]], [seen[i]],
                         [torch.Generator().manual_seed(s)] if s else [None], banned=banned)[0]
             for i, s in enumerate([1, 0, 0, 2])]
    assert draws == alone
    assert draws[2].token != int(banned[0]) and draws[1].token == int(logits[1].argmax())
