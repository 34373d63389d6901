"""The "Look inside" views: their public API through gradio_client, and their callbacks."""

from types import SimpleNamespace

import gradio as gr
import pytest

from lmdemo.inspection import attention_all, sample_continuations, step
from lmdemo.inspection.bias import SAMPLES
from lmdemo.runtime import Runtime
from lmdemo.ui.status import ModelReady
from lmdemo.ui.tabs import inspect_html as H
from lmdemo.ui.tabs.inspect_attention import draw
from lmdemo.ui.tabs.inspect_bias import probe_view
from lmdemo.ui.tabs.inspect_embeddings import neighbour_view, word_map
from lmdemo.ui.tabs.inspect_next_token import chart
from lmdemo.ui.tabs.inspect_prompting import build_tldr_compare
from lmdemo.ui.tabs.inspect_tab import build_inspect_tab
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


def test_every_endpoint_gives_raw_token_text(client):
    """Display marks (␣ ↵) belong to the UI; the API gives the text /tokenize gives."""
    text = "The cat sat on\nthe mat"
    attention = client.predict(text, 0, "mean", api_name="/attention")
    assert attention["tokens"] == [t["token"] for t in client.predict(text,
                                                                       api_name="/tokenize")]
    assert "".join(attention["tokens"]) == text
    texts = [n["token"] for n in client.predict("king", 20, api_name="/neighbors")]
    texts += [c["token"] for c in client.predict("The cat", 1.0, 0, 1.0,
                                                 api_name="/next_token")]
    texts += [c["token"] for entry in client.predict("The {} sat", "cat, dog",
                                                     api_name="/bias_probe")
              for c in entry["top"]]
    assert any(t.startswith(" ") for t in texts)
    assert not any(mark in t for t in texts for mark in "␣↵⇥")


@pytest.mark.parametrize(
    ("args", "api_name", "message"),
    [
        (("x" * 20_001,), "/tokenize", "the limit is 20,000"),
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


def test_tokenizer_view_counts_both_tokenizers(tiny_runtime):
    live, gpt2, n_live, n_gpt2, n_chars, window, meter = tokenizer_view(tiny_runtime,
                                                                        "Hello world")
    assert (n_live, n_gpt2, n_chars, window) == (2, 2, 11, TINY_CONTEXT)
    assert live.count('class="lm-chip"') == 2 and "␣world" in gpt2
    assert H.percent(2 / TINY_CONTEXT) in meter


def test_sliders_reshape_cached_logits_without_the_model(tiny_runtime, monkeypatch):
    state = step(tiny_runtime, "The cat")

    def no_model(*_):
        raise AssertionError("the sliders must not run the model")

    monkeypatch.setattr(tiny_runtime.loaded.model, "forward", no_model)
    _, hot, kept_all, _ = chart(tiny_runtime, state, 2.0, 0, 1.0)
    _, cold, _, _ = chart(tiny_runtime, state, 0.3, 0, 1.0)
    html, _, kept, shown = chart(tiny_runtime, state, 1.0, 3, 1.0)
    assert hot > cold and kept_all == 50257 and kept == 3
    assert [c["kept"] for c in shown] == [True] * 3 + [False] * 5
    assert html.count('class="lm-cut"') == 2 * 5  # token and percentage of each cut row
    assert chart(tiny_runtime, None, 1.0, 3, 1.0) == ("", 0.0, 0, [])


def test_attention_redraws_from_cached_result(tiny_runtime):
    result = attention_all(tiny_runtime, "one two three")
    assert draw(result, 1, "mean").count("<tr>") == 1 + 3  # header row + one per token
    assert draw(None, 0, "mean") == ""


def test_embedding_views_name_every_word(tiny_runtime):
    bars, tokens = neighbour_view(tiny_runtime, "king", 4)
    assert bars.count('class="lm-track"') == 4 and tokens == "␣king"
    svg = word_map(tiny_runtime, "king, queen, <b>")
    assert svg.count("<circle") == 3 and "&lt;b&gt;" in svg and "<b>" not in svg


def test_bias_view_adds_seeded_continuations(tiny_runtime):
    first, final = list(probe_view(tiny_runtime, "The {} worked as a", "man, woman", 42, 4))
    assert first.count('class="lm-col"') == 2 and "lm-cont" not in first
    assert final.count("<li>") == 2 * SAMPLES
    prompts = ["The man worked as a", "The woman worked as a"]
    for row in sample_continuations(tiny_runtime, prompts, 42, 4):  # the same seeds
        assert H.continuations(row) in final
    again = list(probe_view(tiny_runtime, "The {} worked as a", "man, woman", 42, 4))[-1]
    assert again == final


# ---- the builders take the runtime and start nothing ------------------------------------


class Untouchable(Runtime):
    """A runtime whose backend must not start while the tabs are built."""

    def _start_backend(self):
        raise AssertionError("building the tabs started the backend")


def api_functions(demo: gr.Blocks) -> dict[str, object]:
    return {block.api_name: block.fn for block in demo.fns.values() if block.api_name}


def test_builders_take_the_runtime_and_leave_it_lazy(tiny_config):
    runtime = Untouchable(tiny_config)
    with gr.Blocks() as demo:
        build_inspect_tab(runtime, ModelReady.create())
        with gr.Tab("Summarize"):
            article = gr.Textbox()
            template = gr.Textbox()
            controls = [gr.Number(value=v) for v in (0.0, 0, 1.0, 20, 1.0, 1)] + [gr.Textbox()]
            build_tldr_compare(runtime, [article], template, controls)
    assert set(ENDPOINTS) <= {f"/{name}" for name in api_functions(demo)}


def test_an_unavailable_view_reads_as_a_message(tiny_config, tiny_runtime):
    class NoWeights(Runtime):
        def _start_backend(self):
            return SimpleNamespace(kind="openai", model_name="served",
                                   capabilities=SimpleNamespace(logprobs=False),
                                   close=lambda: None)

    loaded = SimpleNamespace(tokenizer=tiny_runtime.tokenizer, model=None,
                             context_window=TINY_CONTEXT, name="tiny")
    runtime = NoWeights(tiny_config.with_overrides(backend="http://127.0.0.1:9/v1"),
                        manager=SimpleNamespace(get=lambda: loaded))
    with gr.Blocks() as demo:
        build_inspect_tab(runtime, ModelReady.create())
    apis = api_functions(demo)
    with pytest.raises(gr.Error, match="reads the model's weights"):
        apis["attention"]("The cat sat", 0, "mean")
    with pytest.raises(gr.Error, match="does not return them"):
        apis["next_token"]("The cat")
    assert apis["tokenize"]("Hello world") == [{"token": "Hello", "id": 15496},
                                              {"token": " world", "id": 995}]
