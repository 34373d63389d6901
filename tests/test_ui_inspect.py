"""The "Look inside" views: their public API through gradio_client, and their callbacks."""

from types import SimpleNamespace

import pytest

from lmdemo.params import make_params
from lmdemo.ui.tabs import inspect_next_token
from lmdemo.ui.tabs.inspect_attention import draw
from lmdemo.ui.tabs.inspect_bias import SAMPLES, probe_view
from lmdemo.ui.tabs.inspect_embeddings import neighbour_view, word_map
from lmdemo.ui.tabs.inspect_generation import alternatives, branch_ids, stream_steps
from lmdemo.ui.tabs.inspect_prompting import WITH_CUE, WITHOUT_CUE, compare_stream
from lmdemo.ui.tabs.inspect_tokens import tokenizer_view
from tests.conftest import TINY_CONTEXT
from tests.ui_server import running_app

ENDPOINTS = {
    "/tokenize": ["text"],
    "/next_token": ["prompt", "temperature", "top_k", "top_p"],
    "/attention": ["text", "layer", "head"],
    "/neighbors": ["word", "k"],
    "/bias_probe": ["template", "fillers"],
}


@pytest.fixture(scope="module")
def client(tiny_config):
    with running_app(tiny_config) as (client, _):
        yield client


@pytest.fixture(scope="module")
def service(tiny_loaded, tiny_engine, tiny_config):
    """What the tab callbacks use of a TaskService, on the tiny model."""
    return SimpleNamespace(loaded=tiny_loaded, engine=tiny_engine, config=tiny_config)


def test_endpoints_and_parameter_names(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name, params in ENDPOINTS.items():
        assert [p["parameter_name"] for p in api[name]["parameters"]] == params, name


@pytest.mark.parametrize("text", ["Hello world", "  two  spaces\nand a line", "你好，世界 🙂"])
def test_tokenize_round_trips(client, text):
    tokens = client.predict(text, api_name="/tokenize")
    assert "".join(tok["token"] for tok in tokens) == text
    assert all(isinstance(tok["id"], int) for tok in tokens)


@pytest.mark.parametrize(("top_k", "top_p", "most"), [(0, 1.0, 20), (5, 1.0, 5), (0, 0.5, 20)])
def test_next_token_sorted_probabilities(client, top_k, top_p, most):
    result = client.predict("The cat", 1.0, top_k, top_p, api_name="/next_token")
    probs = [c["probability"] for c in result]
    assert 1 <= len(probs) <= most
    assert probs == sorted(probs, reverse=True)
    assert all(0 < p <= 1 for p in probs) and sum(probs) <= 1 + 1e-6
    assert all(isinstance(c["token"], str) for c in result)


def test_greedy_next_token_is_certain(client):
    result = client.predict("The cat", 0.0, 0, 1.0, api_name="/next_token")
    assert [c["probability"] for c in result] == [1.0]


@pytest.mark.parametrize("head", ["mean", 0, 1])
def test_attention_rows_are_distributions(client, head):
    result = client.predict("The cat sat on the mat", 1, head, api_name="/attention")
    tokens, weights = result["tokens"], result["weights"]
    assert len(weights) == len(tokens) == 6
    for i, row in enumerate(weights):
        assert len(row) == len(tokens)
        assert sum(row) == pytest.approx(1.0, abs=1e-4)
        assert all(w == pytest.approx(0.0, abs=1e-6) for w in row[i + 1 :])  # causal


def test_neighbors_sorted(client):
    result = client.predict("king", 7, api_name="/neighbors")
    sims = [n["similarity"] for n in result]
    assert len(result) == 7
    assert sims == sorted(sims, reverse=True) and all(-1 <= s <= 1 for s in sims)


def test_bias_probe_one_entry_per_filler(client):
    result = client.predict("The {} worked as a", "man, woman, child", api_name="/bias_probe")
    assert [r["filler"] for r in result] == ["man", "woman", "child"]
    assert result[1]["prompt"] == "The woman worked as a"
    for entry in result:
        probs = [c["probability"] for c in entry["top"]]
        assert probs and probs == sorted(probs, reverse=True) and all(p <= 1 for p in probs)


@pytest.mark.parametrize(
    ("args", "api_name", "message"),
    [
        (("x" * 20_001,), "/tokenize", "at most 20,000"),
        (("Hi", 5.0, 0, 1.0), "/next_token", "Temperature must be between 0 and 2"),
        (("Hi", 1.0, 0, 0.0), "/next_token", "Top-p must be between 0.01 and 1"),
        (("  ", 0, "mean"), "/attention", "Type some text"),
        (("Hello", 9, "mean"), "/attention", "Layer must be a whole number from 0 to 1"),
        (("Hello", 0, "all"), "/attention", "Head must be a whole number"),
        (("", 5), "/neighbors", "Type a word"),
        (("king", 0), "/neighbors", "between 1 and 100"),
        (("No slot here", "a, b"), "/bias_probe", "exactly one {} slot"),
        (("The {} is", "man"), "/bias_probe", "between 2 and 8"),
    ],
)
def test_bad_input_gets_a_message(client, args, api_name, message):
    with pytest.raises(Exception, match=message) as info:
        client.predict(*args, api_name=api_name)
    assert "Traceback" not in str(info.value)


# ---- callbacks behind the widgets (no browser) ------------------------------------------


def test_tokenizer_view_counts_both_tokenizers(service):
    live, gpt2, n_live, n_gpt2, n_chars, window, meter = tokenizer_view(service, "Hello world")
    assert (n_live, n_gpt2, n_chars, window) == (2, 2, 11, TINY_CONTEXT)
    assert live.count('class="lm-chip"') == 2 and "␣world" in gpt2
    assert f"{100 * 2 / TINY_CONTEXT:.1f}%" in meter


def test_sliders_reshape_cached_logits_without_the_model(service, monkeypatch):
    state = inspect_next_token.step(service, "The cat")

    def no_model(*_):
        raise AssertionError("the sliders must not run the model")

    monkeypatch.setattr(service.loaded.model, "forward", no_model)
    _, hot, kept_all, _ = inspect_next_token.chart(service, state, 2.0, 0, 1.0)
    _, cold, _, _ = inspect_next_token.chart(service, state, 0.3, 0, 1.0)
    html, _, kept, shown = inspect_next_token.chart(service, state, 1.0, 3, 1.0)
    assert hot > cold and kept_all == 50257 and kept == 3
    assert [c["kept"] for c in shown] == [True] * 3 + [False] * 5
    assert html.count('class="lm-cut"') == 2 * 5  # token and percentage of each cut row


def test_adding_byte_tokens_builds_the_character(service):
    state = inspect_next_token.step(service, "I like")
    pieces = service.loaded.tokenizer(" 好", add_special_tokens=False)["input_ids"]
    assert len(pieces) > 1  # GPT-2 spells this character as several byte tokens
    for token_id in pieces:
        state = inspect_next_token.add_token(service, state, token_id)
    assert state["prompt"] == "I like 好"
    assert state["ids"][-len(pieces):] == pieces
    assert state["logits"].shape[0] == len(service.loaded.tokenizer)


def test_sample_respects_top_k(service):
    state = inspect_next_token.step(service, "The cat")
    allowed = {c["id"] for c in inspect_next_token.chart(service, state, 1.0, 2, 1.0)[3][:2]}
    drawn = {inspect_next_token.sample_id(state, 1.0, 2, 1.0, seed) for seed in range(20)}
    assert drawn <= allowed and len(drawn) == 2  # both kept tokens come up over 20 seeds


def test_sampling_walk_repeats_with_the_same_seed(service):
    def walk(seed: int) -> list[int]:
        state = inspect_next_token.step(service, "Once upon a time")
        for _ in range(6):
            token = inspect_next_token.sample_id(state, 1.5, 0, 1.0, seed)
            state = inspect_next_token.add_token(service, state, token)
        return state["ids"]

    assert walk(3) == walk(3)
    assert len({tuple(walk(seed)) for seed in range(4)}) > 1  # the seed matters


def test_generation_steps_alternatives_and_branch(service):
    params = make_params(temperature=1.0, max_new_tokens=5, seed=3)
    steps = list(stream_steps(service, "Once upon", params, []))[-1]
    assert len(steps) == 5 and all(0 < s["probability"] <= 1 for s in steps)
    state = {"prompt": "Once upon", "prompt_ids": service.engine.encode("Once upon"),
             "steps": steps}
    label, choices = alternatives(service, state, 2)
    assert label.startswith("#3") and 1 <= len(choices) <= 5
    alt = choices[-1][1]
    ids = branch_ids(state, 2, alt)
    assert ids == [*state["prompt_ids"], steps[0]["id"], steps[1]["id"], alt]


def test_attention_redraws_from_cached_result(service):
    from lmdemo.inspection import attention_all

    result = attention_all(service.loaded, "one two three")
    assert draw(result, 1, "mean").count("<tr>") == 1 + 3  # header row + one per token
    assert draw(None, 0, "mean") == ""


def test_embedding_views_name_every_word(service):
    bars, tokens = neighbour_view(service, "king", 4)
    assert bars.count('class="lm-track"') == 4 and tokens == "␣king"
    svg = word_map(service, "king, queen, <b>")
    assert svg.count("<circle") == 3 and "&lt;b&gt;" in svg and "<b>" not in svg


def test_bias_view_adds_seeded_continuations(service):
    first, final = list(probe_view(service, "The {} worked as a", "man, woman", 42, 4))
    assert first.count('class="lm-col"') == 2 and "lm-cont" not in first
    assert final.count("<li>") == 2 * SAMPLES
    again = list(probe_view(service, "The {} worked as a", "man, woman", 42, 4))[-1]
    assert again == final  # same seeds, same samples


def test_tldr_comparison_runs_both_prompts_with_the_same_settings():
    calls = []

    def run(kind, article, params, template):
        calls.append((kind, article, params, template))
        answer = "with" if template == WITH_CUE else "without"
        return SimpleNamespace(stream=lambda: iter([answer[:2], answer]))

    fake = SimpleNamespace(run=run)
    controls = (0.0, 0, 1.0, 20, 1.0, 1, "")
    assert list(compare_stream(fake, "An article.", controls))[-1] == ("with", "without")
    assert [c[3] for c in calls] == [WITH_CUE, WITHOUT_CUE]
    assert calls[0][:3] == calls[1][:3] == ("summarize", "An article.", make_params(
        temperature=0.0, top_k=0, top_p=1.0, max_new_tokens=20, repetition_penalty=1.0, seed=1))
    assert WITH_CUE == WITHOUT_CUE + "TL;DR:" and WITHOUT_CUE == "{article}\n\n"
