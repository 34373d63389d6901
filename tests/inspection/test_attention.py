"""Attention view: row-stochastic causal maps, from a weight-sharing eager twin."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lmdemo.errors import InputError
from lmdemo.inspection import MAX_TOKENS, attention, attention_all, select, shape
from lmdemo.inspection.attention import _eager_twin
from lmdemo.params import make_params

TEXT = "The cat sat on the mat because it was warm"


@pytest.fixture(scope="module")
def full(tiny_runtime):
    return attention_all(tiny_runtime, TEXT)


def test_shape_and_labels(tiny_runtime, full):
    ids = tiny_runtime.tokenizer(TEXT)["input_ids"]
    layers, heads = shape(tiny_runtime)
    assert full["weights"].shape == (layers, heads, len(ids), len(ids)) == (2, 2, 10, 10)
    assert full["weights"].dtype == np.float32
    assert full["labels"][:2] == ["The", "␣cat"]
    assert full["tokens"][:2] == ["The", " cat"]  # raw text, as /tokenize gives it
    assert "".join(full["tokens"]) == TEXT


def test_rows_sum_to_one_and_are_causal(full):
    weights = full["weights"]
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-4)
    upper = np.triu(np.ones(weights.shape[-2:], dtype=bool), k=1)
    assert np.all(weights[..., upper] == 0)
    assert np.all(weights >= 0)


def test_mean_is_the_average_of_heads(tiny_runtime, full):
    mean = np.array(attention(tiny_runtime, TEXT, 1, "mean")["weights"])
    np.testing.assert_allclose(mean, full["weights"][1].mean(axis=0), atol=1e-6)
    one = select(full, 0, 1)
    np.testing.assert_allclose(np.array(one["weights"]), full["weights"][0, 1])
    assert (one["layer"], one["head"]) == (0, 1)


def test_twin_shares_weights_and_leaves_the_live_model_alone(tiny_runtime):
    model = tiny_runtime.loaded.model
    before = model.config._attn_implementation
    twin = _eager_twin(model)
    assert twin is _eager_twin(model)
    assert model.config._attn_implementation == before
    if before != "eager":
        assert twin is not model and twin.config._attn_implementation == "eager"
    for (name, p), q in zip(model.named_parameters(), twin.parameters(), strict=True):
        assert p is q, name
    ids = torch.tensor([tiny_runtime.tokenizer(TEXT)["input_ids"]])
    with torch.inference_mode():
        a = model(input_ids=ids, use_cache=False).logits
        b = twin(input_ids=ids, use_cache=False).logits
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_split_characters_are_labelled(tiny_runtime):
    result = attention_all(tiny_runtime, "你好")
    assert result["labels"][:2] == ["你 (1/2)", "你 (2/2)"]
    assert result["tokens"][:2] == ["", "你"]  # the character belongs to its last token


def test_select_keeps_raw_tokens_and_labels(full):
    one = select(full, 0, "mean")
    assert (one["tokens"], one["labels"]) == (full["tokens"], full["labels"])


@pytest.mark.parametrize(
    ("layer", "head", "match"),
    [
        (2, 0, "Layer must be a whole number from 0 to 1"),
        (-1, 0, "from 0 to 1"),
        ("x", 0, "Layer"),
        (0, 2, 'Head must be a whole number from 0 to 1, or "mean"'),
        (0, "all", "Head"),
        (True, 0, "Layer"),
    ],
)
def test_bad_layer_or_head(tiny_runtime, layer, head, match):
    with pytest.raises(InputError, match=match):
        attention(tiny_runtime, TEXT, layer, head)


def test_slider_values_are_accepted(tiny_runtime):
    result = attention(tiny_runtime, "Hi there", 1.0, "1")
    assert (result["layer"], result["head"]) == (1, 1)


@pytest.mark.parametrize("text", ["", "   ", "word " * (MAX_TOKENS + 1)])
def test_empty_or_long_text_is_refused(tiny_runtime, text):
    with pytest.raises(InputError):
        attention_all(tiny_runtime, text)


def test_runs_while_the_engine_generates(tiny_runtime):
    params = make_params(temperature=0, max_new_tokens=24)
    ids = tiny_runtime.encode("Once upon a time")
    backend = tiny_runtime.backend
    alone = backend.submit(ids, "Once upon a time", params).result().token_ids
    request = backend.submit(ids, "Once upon a time", params)
    for _ in range(5):
        weights = attention_all(tiny_runtime, TEXT)["weights"]
        np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-4)
    assert request.result().token_ids == alone
