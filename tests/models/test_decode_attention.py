"""One-token attention as two products: the same numbers as transformers' SDPA path."""

from __future__ import annotations

import pytest
import torch
from transformers.integrations.sdpa_attention import sdpa_attention_forward

from lmdemo.models.decode_attention import NAME, decode_attention_forward, use_decode_attention


class _Module(torch.nn.Module):
    def __init__(self, groups: int):
        super().__init__()
        self.num_key_value_groups = groups
        self.is_causal = True


def _inputs(batch, heads, kv_heads, q_length, length, seed=0):
    gen = torch.Generator().manual_seed(seed)
    query = torch.randn(batch, heads, q_length, 16, generator=gen)
    key = torch.randn(batch, kv_heads, length, 16, generator=gen)
    value = torch.randn(batch, kv_heads, length, 16, generator=gen)
    mask = torch.ones(batch, 1, q_length, length, dtype=torch.bool)
    for row in range(batch):  # left padding of different widths, spare columns on the right
        mask[row, ..., : row % 4] = False
        mask[row, ..., length - 2:] = False
    return query, key, value, mask


@pytest.mark.parametrize("heads,kv_heads", [(4, 4), (4, 1), (6, 2)])
@pytest.mark.parametrize("scaling", [None, 0.3])
def test_one_token_matches_sdpa(heads, kv_heads, scaling):
    module = _Module(heads // kv_heads)
    query, key, value, mask = _inputs(5, heads, kv_heads, 1, 12)
    for attention_mask in (mask, torch.zeros(mask.shape).masked_fill(~mask, float("-inf")), None):
        ours, _ = decode_attention_forward(module, query, key, value, attention_mask,
                                           scaling=scaling)
        theirs, _ = sdpa_attention_forward(module, query, key, value, attention_mask,
                                           scaling=scaling)
        assert ours.shape == theirs.shape == (5, 1, heads, 16)
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-5)


def test_longer_queries_take_transformers_path_unchanged():
    module = _Module(2)
    query, key, value, mask = _inputs(3, 4, 2, 5, 9)
    ours, _ = decode_attention_forward(module, query, key, value, mask)
    theirs, _ = sdpa_attention_forward(module, query, key, value, mask)
    assert torch.equal(ours, theirs)


def test_cpu_models_load_with_it(tiny_loaded):
    assert tiny_loaded.device.type == "cpu"
    assert tiny_loaded.model.config._attn_implementation == NAME


@torch.inference_mode()
def test_gemma_style_model_decodes_the_same_with_it():
    """Grouped-query heads and sliding-window layers, teacher-forced for 20 tokens."""
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    torch.manual_seed(0)
    config = Gemma3TextConfig(vocab_size=256, hidden_size=64, intermediate_size=128,
                              num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=1,
                              head_dim=16, sliding_window=6, max_position_embeddings=128,
                              attn_implementation="sdpa")
    model = Gemma3ForCausalLM(config).eval()
    tokens = torch.randint(0, 256, (2, 24))

    def decode_logits():
        out = model(input_ids=tokens[:, :4], use_cache=True)
        logits = []
        for i in range(4, tokens.shape[1]):
            out = model(input_ids=tokens[:, i:i + 1], cache=out.cache, use_cache=True)
            logits.append(out.logits[:, -1])
        return torch.stack(logits)

    reference = decode_logits()
    assert use_decode_attention(model) and not use_decode_attention(model)
    torch.testing.assert_close(decode_logits(), reference, atol=1e-4, rtol=1e-4)
