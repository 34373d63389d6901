"""The bias note speaks of the live model, and of its training text only where it is known."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from lmdemo.inspection import training_data
from lmdemo.runtime import Runtime
from lmdemo.ui.plain import markdown_text
from lmdemo.ui.tabs.inspect_bias import bias_note, build_bias_tab


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gpt2", "webtext"), ("gpt2-medium", "webtext"), ("openai-community/gpt2-xl", "webtext"),
        ("distilgpt2", "openwebtext"), ("gemma-3-270m", "gemma3"),
        ("google/gemma-3-1b-pt", "gemma3"), ("/tmp/models/tiny-gpt2", "other"),
        ("./gpt2-finetuned", "other"), ("someone/model", "other"), ("gemma-2-2b", "other"),
    ],
)
def test_training_data_is_named_only_where_known(name, data):
    assert training_data(name) == data


def named(model: str) -> SimpleNamespace:
    return SimpleNamespace(remote=False, model_name=model)


@pytest.mark.parametrize(
    ("model", "language", "present", "absent"),
    [
        ("gemma-3-270m", "en", ["gemma-3-270m", "web documents", "code"], ["GPT-2", "WebText"]),
        ("gemma-3-270m", "zh-CN", ["gemma-3-270m", "代码"], ["GPT-2", "WebText"]),
        ("gpt2", "en", ["gpt2", "WebText", "Reddit"], []),
        ("gpt2", "zh-CN", ["gpt2", "WebText"], []),
        ("my-model", "en", ["my-model", "the text it was trained on"], ["GPT-2", "WebText"]),
        ("my-model", "zh-CN", ["my-model", "训练文本"], ["GPT-2", "WebText"]),
    ],
)
def test_note_is_about_the_live_model(model, language, present, absent):
    note = bias_note(named(model), language)  # Markdown: the name is escaped, as text
    assert all(markdown_text(word) in note for word in present)
    assert not any(w in note for w in absent)


def test_note_names_the_served_model_with_a_server():
    runtime = SimpleNamespace(remote=True, backend=SimpleNamespace(model_name="gpt2"))
    assert "WebText" in bias_note(runtime)


class Untouchable(Runtime):
    def _start_backend(self):
        raise AssertionError("building the tab started the backend")


def test_the_note_is_filled_once_the_model_is_ready_and_is_no_endpoint(tiny_config):
    from lmdemo.ui.status import ModelReady

    with gr.Blocks() as demo:
        ready = ModelReady.create()
        build_bias_tab(Untouchable(tiny_config), ready)  # the model is not needed to build
    fills = [fn for fn in demo.fns.values()
             if any(block is ready.state._id or block == ready.state._id
                    for block, event in fn.targets if event == "change")]
    assert len(fills) == 1 and isinstance(fills[0].outputs[0], gr.Markdown)
    # A Markdown given a function as its value published it as the endpoint and tool `note`.
    assert fills[0].api_visibility == "private"
    assert set(demo.get_api_info()["named_endpoints"]) == {"/bias_probe"}
