"""The hand-written Gemma 3 decode step computes what transformers' forward computes."""

from __future__ import annotations

import pytest
import torch

from lmdemo.engine.batch import KVBatch
from lmdemo.engine.head import CandidateHead, RowNeed
from lmdemo.models.decode_step import fused_step, why_not_fused
from lmdemo.models.fp16 import halve_linears

PROMPTS = [list(range(2, 14)), [5, 6], [7, 8, 9, 10]]


def _gemma(sliding_window: int = 6):
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    torch.manual_seed(0)
    config = Gemma3TextConfig(vocab_size=300, hidden_size=64, intermediate_size=128,
                              num_hidden_layers=6, num_attention_heads=4, num_key_value_heads=1,
                              head_dim=16, sliding_window=sliding_window,
                              max_position_embeddings=256, query_pre_attn_scalar=16)
    model = Gemma3ForCausalLM(config).eval()
    for name, parameter in model.named_parameters():
        if "norm" in name:  # trained norms are far from their zero start
            parameter.data.normal_(0, 0.3)
    return model


@torch.inference_mode()
def _run(model, fused: bool, steps: int = 14, candidates: CandidateHead | None = None):
    """Greedy logits of every step, with rows leaving and joining on the way."""
    batch = KVBatch(model, torch.device("cpu"), fused=fused)
    assert (batch._step is not None) == fused
    if candidates is not None:
        batch._candidates = candidates
    tokens = [int(logits.argmax()) for _, logits in batch.join(PROMPTS)]
    out = []
    for step in range(steps):
        logits = batch.decode(tokens, [RowNeed()] * len(tokens))
        out.append(logits)
        tokens = logits.argmax(-1).tolist()
        if step == 4:  # the middle row leaves
            batch.keep([0, 2])
            tokens = [tokens[0], tokens[2]]
        if step == 6:  # a newcomer joins
            cache, _ = batch.prefill([[3, 3, 3]])
            batch.add(cache, [3])
            tokens.append(4)
    return out


@pytest.mark.parametrize("fp16", [False, True])
def test_fused_step_matches_transformers(fp16):
    model = _gemma()
    if fp16:
        halve_linears(model)
    assert why_not_fused(model) == ""
    plain, fused = _run(model, False), _run(model, True)
    worst = max(float((a - b).abs().max()) for a, b in zip(plain, fused, strict=True))
    assert worst < 1e-4


def test_candidate_head_gives_the_same_greedy_text():
    model = _gemma()
    candidates = CandidateHead(model.get_input_embeddings().weight)
    candidates.rows_cheap = frozenset({1, 4, 16})  # as if start-up measured it faster
    exact = [step.argmax(-1).tolist() for step in _run(model, True)]
    cheap = [step.argmax(-1).tolist() for step in _run(model, True, candidates=candidates)]
    assert cheap == exact


def test_other_models_keep_transformers_path(tiny_loaded):
    assert "no hand-written step for gpt2" == why_not_fused(tiny_loaded.model)
    assert fused_step(tiny_loaded.model) is None
    assert KVBatch(tiny_loaded.model, torch.device("cpu"))._step is None


def test_step_is_rebuilt_when_layers_are_swapped():
    model = _gemma()
    first = fused_step(model)
    assert fused_step(model) is first  # built once
    halve_linears(model)
    assert fused_step(model) is not first
