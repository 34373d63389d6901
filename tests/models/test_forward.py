"""The shared next-token forward: ``logits_to_keep`` only for models whose forward names it,
and an error raised inside a forward is never retried as if it were a missing argument."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from lmdemo.models.forward import next_token_logits, takes_logits_to_keep


class _NoKeep(torch.nn.Module):
    """A causal LM whose forward has no ``logits_to_keep``."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []

    def forward(self, input_ids, use_cache=False):
        self.calls.append({"use_cache": use_cache})
        return SimpleNamespace(logits=torch.arange(6.0).repeat(1, input_ids.shape[1], 1))


class _Keeps(_NoKeep):
    """One that takes it, and fails inside with a TypeError of its own."""

    def forward(self, input_ids, use_cache=False, logits_to_keep=0):
        self.calls.append({"logits_to_keep": logits_to_keep})
        raise TypeError("unsupported operand type(s) inside a layer")


def _loaded(model: torch.nn.Module) -> SimpleNamespace:
    return SimpleNamespace(model=model, device=torch.device("cpu"))


def test_the_signature_decides_whether_logits_to_keep_is_passed():
    assert not takes_logits_to_keep(_NoKeep)
    assert takes_logits_to_keep(_Keeps)
    model = _NoKeep()
    logits = next_token_logits(_loaded(model), [1, 2, 3])
    assert logits.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert model.calls == [{"use_cache": False}]  # one forward, no retry


def test_a_type_error_inside_a_forward_is_raised_not_retried():
    model = _Keeps()
    with pytest.raises(TypeError, match="inside a layer"):
        next_token_logits(_loaded(model), [1, 2])
    assert model.calls == [{"logits_to_keep": 1}]


def test_gpt2_takes_logits_to_keep(tiny_loaded):
    assert takes_logits_to_keep(type(tiny_loaded.model))
    full = tiny_loaded.model(input_ids=torch.tensor([[1, 2, 3]])).logits[0, -1]
    assert torch.allclose(next_token_logits(tiny_loaded, [1, 2, 3]), full, atol=1e-5)
