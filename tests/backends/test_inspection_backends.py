"""The inspection views on a server backend: the served model's odds where the server gives
log-probabilities, local weights where there are some, and a clear UnavailableError otherwise.

The server is faked (a backend with the real contract and chosen capabilities); the tokenizer
and, where a test says so, the weights are the tiny GPT-2's.
"""

from __future__ import annotations

import math
import threading
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from lmdemo.backends import Capabilities
from lmdemo.errors import UnavailableError
from lmdemo.inspection import (
    api_next_token,
    attention,
    attention_all,
    bias_probe,
    context_usage,
    lookup,
    neighbors,
    project_2d,
    step,
    stream_steps,
    tokenize,
    word_vector,
)
from lmdemo.inspection.generation import start
from lmdemo.models.forward import next_token_logits
from lmdemo.params import make_params
from lmdemo.runtime import Runtime

URL = "http://127.0.0.1:9/v1"
# What the fake server answers for any prompt: (token text, log-probability), not sorted.
TOP = [(" the", math.log(0.2)), (" Paris", math.log(0.5)), (" a", math.log(0.1))]


class FakeServer:
    """An OpenAI-compatible backend as the runtime sees it, without a network."""

    kind = "openai"
    model_name = "served-model"

    def __init__(self, logprobs: bool, token_probs: bool = False):
        self.capabilities = Capabilities(logprobs=logprobs, token_probs=token_probs)
        self.asked: list[tuple[list[int], str, int]] = []

    def next_token_top(self, prompt_ids, prompt, n):
        self.asked.append((list(prompt_ids), prompt, n))
        return TOP[:n]

    def submit(self, prompt_ids, prompt, params):
        raise AssertionError("no view here should start a generation on this server")

    def close(self) -> None:
        pass


class ServerRuntime(Runtime):
    """A Runtime whose backend is ``server`` and whose local model is ``loaded``."""

    def __init__(self, config, loaded, server):
        super().__init__(config, manager=SimpleNamespace(get=lambda: loaded))
        self.server = server

    def _start_backend(self):
        return self.server


@pytest.fixture()
def make_runtime(tiny_config, tiny_runtime):
    made = []

    def make(logprobs: bool, weights: bool, token_probs: bool = False) -> ServerRuntime:
        real = tiny_runtime.loaded
        loaded = real if weights else SimpleNamespace(
            tokenizer=real.tokenizer, model=None, context_window=real.context_window,
            name=real.name)
        runtime = ServerRuntime(tiny_config.with_overrides(backend=URL), loaded,
                                FakeServer(logprobs, token_probs))
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


WEIGHT_VIEWS = [
    ("attention", lambda rt: attention_all(rt, "The cat sat")),
    ("attention", lambda rt: attention(rt, "The cat sat", 0, "mean")),
    ("embeddings", lambda rt: neighbors(rt, "king", 5)),
    ("embeddings", lambda rt: project_2d(rt, "king, queen")),
    ("embeddings", lambda rt: word_vector(rt, "king")),
    ("next-token", lambda rt: step(rt, "The cat")),
]


@pytest.mark.parametrize(("feature", "view"), WEIGHT_VIEWS)
def test_views_that_read_weights_say_why_they_are_off(make_runtime, feature, view):
    runtime = make_runtime(logprobs=True, weights=False)
    with pytest.raises(UnavailableError, match="--model FOLDER") as info:
        view(runtime)
    assert info.value.feature == feature
    assert f"The {feature} view reads the model's weights" in str(info.value)


@pytest.mark.parametrize("view", [
    lambda rt: api_next_token(rt, "The capital of France is"),
    lambda rt: bias_probe(rt, "The {} worked as a", "man, woman"),
])
def test_next_token_odds_need_logprobs_from_the_server(make_runtime, view):
    runtime = make_runtime(logprobs=False, weights=True)  # local weights do not stand in
    with pytest.raises(UnavailableError, match="does not return them") as info:
        view(runtime)
    assert info.value.feature == "next-token view" and URL in str(info.value)
    assert runtime.server.asked == []


@pytest.mark.parametrize("view", [
    lambda rt: start(rt, "Once upon"),
    lambda rt: list(stream_steps(rt, [1, 2], "Once upon", make_params(), [])),
])
def test_generation_view_needs_token_probabilities(make_runtime, view):
    runtime = make_runtime(logprobs=True, weights=True, token_probs=False)
    with pytest.raises(UnavailableError, match="does not report them") as info:
        view(runtime)
    assert info.value.feature == "generation view" and "served-model" in str(info.value)


def test_the_tokenizer_views_work_with_any_backend(make_runtime, tiny_runtime):
    runtime = make_runtime(logprobs=False, weights=False)
    assert tokenize(runtime, "Hello world") == tokenize(tiny_runtime, "Hello world")
    assert context_usage(runtime, 3) == (3, tiny_runtime.context_window)
    assert lookup(runtime, "king")["tokens"] == [" king"]
    assert lookup(runtime, "king")["labels"] == ["␣king"]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ((1.0, 0, 1.0), [(" Paris", 0.5 / 0.8), (" the", 0.2 / 0.8), (" a", 0.1 / 0.8)]),
        ((0.0, 0, 1.0), [(" Paris", 1.0)]),
        ((1.0, 2, 1.0), [(" Paris", 0.5 / 0.7), (" the", 0.2 / 0.7)]),
        ((1.0, 0, 0.7), [(" Paris", 0.5 / 0.7), (" the", 0.2 / 0.7)]),  # 0.5/0.8 < 0.7
    ],
)
def test_next_token_reshapes_the_servers_list(make_runtime, settings, expected):
    runtime = make_runtime(logprobs=True, weights=False)
    result = api_next_token(runtime, "The capital of France is", *settings)
    assert [r["token"] for r in result] == [token for token, _ in expected]
    assert [r["probability"] for r in result] == pytest.approx([p for _, p in expected])
    ids, prompt, n = runtime.server.asked[0]
    assert (ids, prompt, n) == (runtime.encode(prompt), "The capital of France is", 20)


def test_bias_probe_shows_the_servers_raw_odds(make_runtime):
    runtime = make_runtime(logprobs=True, weights=False)
    rows = bias_probe(runtime, "The {} worked as a", "man, woman", top_n=3)
    assert [r["prompt"] for r in rows] == ["The man worked as a", "The woman worked as a"]
    for row in rows:
        assert [t["token"] for t in row["top"]] == [" Paris", " the", " a"]
        assert [t["display"] for t in row["top"]] == ["␣Paris", "␣the", "␣a"]
        assert [t["probability"] for t in row["top"]] == pytest.approx([0.5, 0.2, 0.1])
    assert [(prompt, n) for _, prompt, n in runtime.server.asked] == [
        ("The man worked as a", 3), ("The woman worked as a", 3)]


def test_local_weights_serve_the_weight_views_on_their_own_thread(make_runtime, tiny_runtime):
    runtime = make_runtime(logprobs=False, weights=True)
    threads = []
    hook = runtime.loaded.model.register_forward_pre_hook(
        lambda *_: threads.append(threading.current_thread().name))
    try:
        state = step(runtime, "The cat")
        result = attention_all(runtime, "The cat sat")
    finally:
        hook.remove()
    expected = next_token_logits(tiny_runtime.loaded, tiny_runtime.encode("The cat"))
    assert torch.equal(state["logits"], expected)
    np.testing.assert_allclose(result["weights"].sum(axis=-1), 1.0, atol=1e-4)
    # not the engine's worker (no engine runs) and not this request thread
    assert threads and set(threads) == {"lmdemo-compute"}
