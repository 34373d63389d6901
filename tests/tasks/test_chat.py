"""Instruct models get their task prompts in their own chat template; base models never do."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lmdemo.models.loader import converted_tokenizer
from lmdemo.params import make_params
from lmdemo.runtime import Runtime
from lmdemo.tasks import TaskService, get_task
from lmdemo.tasks.chat import RAW, USER, chat_template, template_notice, uses_chat, wrap
from lmdemo.tasks.prompts import render
from lmdemo.tasks.registry import all_tasks
from tests.conftest import CHAT_TEMPLATE

# Sentiment as it would run if it took the user turn (the shipped task measured better as text)
SENTIMENT_IN_A_TURN = replace(get_task("sentiment"), chat=USER)
ARTICLE = "The council approved a new bridge on Monday. Work starts in May and costs 4 million."
GREEDY = make_params(temperature=0.0, max_new_tokens=6, repetition_penalty=1.0)


@pytest.fixture(scope="module")
def chat(tiny_chat_llama_dir, tmp_path_factory):
    """A service on the tiny Llama, whose tokenizer has a chat template."""
    config_dir = tmp_path_factory.mktemp("chat-cache")
    from lmdemo.config import AppConfig

    svc = TaskService(Runtime(AppConfig(model=str(tiny_chat_llama_dir), cache_dir=config_dir,
                                        quantize="none", max_input_chars=20_000)))
    yield svc
    svc.close()


def user_turn(text: str) -> str:
    return f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"


def test_every_task_declares_how_it_meets_a_chat_template():
    declared = {task.name: task.chat for task in all_tasks()}
    assert declared["generate"] == RAW  # free generation continues the text
    # measured on SmolLM2-135M-Instruct (docs/models.md): every task's few-shot prompt did
    # better continued as text than in a user turn
    assert {declared[n] for n in ("translate", "answer", "extract", "summarize",
                                  "sentiment")} == {RAW}


def test_an_instruct_model_gets_the_prompt_in_a_user_turn_and_shows_it(chat):
    # summarize measured better as text on SmolLM2; a copy declaring USER runs the mechanism
    task = replace(get_task("summarize"), chat=USER)
    prepared = task.preprocess(chat.runtime, {"text": ARTICLE}, 20)
    assert prepared.prompt == user_turn(render(task.template, task.required, article=ARTICLE))
    run = task.run(chat.runtime, {"text": ARTICLE}, GREEDY)
    assert run.prompt == prepared.prompt  # what is shown is what is sent
    assert run.request.prompt_ids == chat.runtime.encode(run.prompt)
    tokens = chat.runtime.tokenizer.convert_ids_to_tokens(run.request.prompt_ids[:2])
    assert tokens[0] == "<|im_start|>"  # the turn marker is one special token, not text
    run.answer()


def test_the_shipped_tasks_send_text_as_it_is_on_an_instruct_model(chat):
    summary, _ = chat.preview("summarize", ARTICLE, max_new_tokens=20)
    assert summary == render(get_task("summarize").template, ("article",), article=ARTICLE)
    text = "A warm and funny film."
    prompt, _ = chat.preview("sentiment", text, max_new_tokens=1)
    assert prompt == render(get_task("sentiment").template, ("text",), text=text)


def test_free_generation_stays_a_continuation_on_an_instruct_model(chat):
    prompt, _ = chat.preview("generate", "Once upon a time", max_new_tokens=5)
    assert prompt == "Once upon a time"


@pytest.mark.parametrize("name", [t.name for t in all_tasks()])
def test_base_models_get_their_prompts_unchanged(tiny_service, name):
    task = get_task(name)
    tokenizer = tiny_service.runtime.tokenizer
    assert chat_template(tokenizer) is None and not uses_chat(task.chat, tokenizer)
    assert wrap(task.chat, tokenizer, "Text: x\nAnswer:") == "Text: x\nAnswer:"
    assert task.template_notice(tiny_service.runtime).text == "template: none (base model)"


def test_the_template_each_task_uses_is_said(chat):
    name = chat.runtime.loaded.name  # the folder's name, "tiny-chat-llama"
    assert SENTIMENT_IN_A_TURN.template_notice(chat.runtime).text == \
        f"template: chat ({name}'s own)"
    said = get_task("sentiment").template_notice(chat.runtime)
    assert said.key == "chat_template_raw" and name in said.text


def test_a_long_text_is_cut_inside_the_turn(chat):
    text = "The film was long and slow. " * 400
    prepared = SENTIMENT_IN_A_TURN.preprocess(chat.runtime, {"text": text}, 1)
    assert prepared.prompt.startswith("<|im_start|>user\n")
    assert prepared.prompt.endswith("Sentiment:<|im_end|>\n<|im_start|>assistant\n")
    assert "was cut" in prepared.notice
    assert len(prepared.ids) <= chat.runtime.context_window


def test_sentiment_in_a_turn_calibrates_with_wrapped_prompts(chat, monkeypatch):
    backend = chat.runtime.backend
    seen: list[str] = []
    original = backend.label_logprobs

    def spy(ids, prompt, labels):
        seen.append(prompt)
        return original(ids, prompt, labels)

    monkeypatch.setattr(backend, "label_logprobs", spy)
    run = SENTIMENT_IN_A_TURN.run(chat.runtime, {"text": "A warm and funny film."},
                                  make_params())
    assert run.result.prompt.startswith("<|im_start|>user\n")
    assert len(seen) == 4  # the text, then the three content-free inputs of the calibration
    assert all(p.startswith("<|im_start|>user\n") and
               p.endswith("<|im_start|>assistant\n") for p in seen)
    seen.clear()  # the shipped task (as text) keeps a calibration of its own
    chat.sentiment("A warm and funny film.")
    assert len(seen) == 4 and not any(p.startswith("<|im_start|>") for p in seen)


def test_a_template_that_writes_bos_does_not_double_it():
    class Tokenizer:
        chat_template = "{{ bos_token }}{{ messages[0]['content'] }}"
        bos_token, bos_token_id = "<s>", 1

        def __call__(self, text):
            return {"input_ids": [1, 7]}

        def apply_chat_template(self, messages, add_generation_prompt, tokenize):
            return "<s>" + messages[0]["content"]

    # the tokenizer adds <s> itself, so the template's own is dropped from the text
    assert wrap(USER, Tokenizer(), "hi") == "hi"
    assert template_notice(RAW, Tokenizer(), "m").key == "chat_template_raw"


def test_a_converted_tokenizer_keeps_its_chat_template(tiny_chat_llama_dir):
    assert converted_tokenizer(tiny_chat_llama_dir).chat_template == CHAT_TEMPLATE


# ---- the visitor's choice: wrap or not, whatever the task declares --------------------------
def test_with_chat_wraps_a_text_task_on_an_instruct_model_and_back(chat):
    task = get_task("summarize")
    assert task.chat == RAW and task.with_chat(None) is task and task.with_chat(False) is task
    wrapped = task.with_chat(True)
    assert wrapped.chat == USER and task.chat == RAW  # a copy: the registry's task is as it was
    run = wrapped.run(chat.runtime, {"text": ARTICLE}, GREEDY)
    assert run.prompt.startswith("<|im_start|>user\n") and run.prompt.endswith(
        "<|im_start|>assistant\n")
    assert wrapped.template_notice(chat.runtime).key == "chat_template_chat"
    plain = task.run(chat.runtime, {"text": ARTICLE}, GREEDY)
    assert "<|im_start|>" not in plain.prompt and ARTICLE in plain.prompt
    assert wrapped.with_chat(False).chat == RAW


def test_with_chat_leaves_a_base_models_prompt_as_text(tiny_service):
    task = get_task("summarize")
    wrapped = task.with_chat(True)
    run = wrapped.run(tiny_service.runtime, {"text": ARTICLE}, GREEDY)
    assert run.prompt == task.run(tiny_service.runtime, {"text": ARTICLE}, GREEDY).prompt
    assert wrapped.template_notice(tiny_service.runtime).key == "chat_template_none"


def test_the_tabs_chat_box_reaches_the_run_and_its_caption(chat):
    import gradio as gr

    from lmdemo.ui.tabs.task_tab import TabOutputs, parameter_names, run_in_tab

    task = get_task("generate")
    names = parameter_names(task)
    assert names[-1] == "chat"  # last: positional API calls that predate it keep working
    outs = TabOutputs(gr.Textbox(), gr.Textbox(), gr.Markdown())
    values = {**vars(GREEDY), "stop": "", "prompt": "Hello there", "template": ""}
    for wrapped, caption in ((True, "template: chat"), (False, "template: none")):
        args = [{**values, "chat": wrapped}[name] for name in names]
        head = next(iter(run_in_tab(chat.runtime, task, outs)(*args)))
        assert head[outs.sent]["value"].startswith("<|im_start|>user") == wrapped
        assert head[outs.sent]["info"].startswith(caption)


def test_the_cli_takes_chat_and_no_chat():
    from lmdemo.__main__ import build_parser

    parser = build_parser()
    assert parser.parse_args(["generate", "Hi", "--chat"]).chat is True
    assert parser.parse_args(["generate", "Hi", "--no-chat"]).chat is False
    assert parser.parse_args(["generate", "Hi"]).chat is None
