"""Task tabs as a visitor meets them: readable headers, one message per action, the settings
shown are the settings used, one sentiment pass, a Stop notice, Chinese messages, quiet logs."""

from __future__ import annotations

import logging
import re
import socket
from types import SimpleNamespace

import gradio as gr
import pytest

from lmdemo.errors import InputError, LMDemoError
from lmdemo.params import make_params
from lmdemo.tasks import all_tasks, get_task
from lmdemo.ui.adapters import error_message, user_errors
from lmdemo.ui.controls import stop_text
from lmdemo.ui.tabs.task_tab import TabOutputs, run_in_tab, stopped

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# An English sentence: three English words in a row (names such as Top-p or French pass).
ENGLISH = re.compile(r"\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}\b")


def _request(language: str):
    return SimpleNamespace(headers={"accept-language": language}, query_params={})


# ---- 1. Examples headers ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tiny_runtime):
    from lmdemo.ui.app import build_demo

    return build_demo(tiny_runtime)


def _datasets(demo) -> list[gr.Dataset]:
    return [b for b in demo.blocks.values() if isinstance(b, gr.Dataset)]


def test_examples_headers_are_text_not_i18n_keys(demo):
    tables = [d for d in _datasets(demo) if d.headers]
    assert len(tables) >= 4
    headers = [h for d in tables for h in d.headers]
    assert "Context" in headers and "Question" in headers
    assert not any("__i18n__" in str(h) for h in headers)


def test_examples_headers_follow_the_visitors_language(demo):
    load = next(f for f in demo.fns.values()
                if f.name == "headers_for" and all(isinstance(o, gr.Dataset) for o in f.outputs))
    updates = load.fn(_request("zh-CN,zh;q=0.9"))
    assert ["上下文", "问题"] in [u["headers"] for u in updates]


# ---- 2. One action, one message ----------------------------------------------------------
def test_run_is_one_event_and_the_api_keeps_its_endpoint(demo):
    config = demo.get_config_file()
    runs = [b for b in demo.blocks.values() if isinstance(b, gr.Button)
            and "run" in str(b.value)]
    clicks = {}
    for dep in config["dependencies"]:
        for target, event in dep["targets"]:
            if event == "click":
                clicks[target] = clicks.get(target, 0) + 1
    assert runs and all(clicks.get(run._id) == 1 for run in runs)
    names = {dep["api_name"] for dep in config["dependencies"]
             if dep.get("api_visibility", "public") == "public"}
    assert {task.name for task in all_tasks()} <= names


def test_the_run_reports_a_bad_input_once(tiny_runtime):
    task = get_task("generate")
    outs = TabOutputs(gr.Textbox(), gr.Textbox(), gr.Markdown())
    press = user_errors(run_in_tab(tiny_runtime, task, outs))

    async def first():
        return await press("   ", "", 0.8, 50, 0.95, 8, 1.1, 42, "", False).__anext__()

    import asyncio

    with pytest.raises(gr.Error, match="prompt is empty"):
        asyncio.run(first())


# ---- 3. The settings shown are the settings used ------------------------------------------
@pytest.mark.parametrize("name", ["summarize", "answer", "translate"])
def test_a_tasks_stop_is_in_its_defaults_and_the_stop_box(name):
    task = get_task(name)
    assert not hasattr(task, "stop") and make_params(**task.defaults).stop == ("\n",)
    assert stop_text(task.defaults["stop"]) == "\\n"  # visible in the box, read back as "\n"
    assert make_params(stop=stop_text(task.defaults["stop"])).stop == ("\n",)


def test_what_is_sent_is_what_the_stop_box_says(tiny_runtime, monkeypatch):
    backend = tiny_runtime.backend
    sent = []
    submit = backend.submit
    monkeypatch.setattr(backend, "submit",
                        lambda ids, prompt, params: sent.append(params) or submit(ids, prompt,
                                                                                  params))
    task = get_task("answer")
    for stop in ("", "\\n"):
        params = make_params(**{**task.defaults, "max_new_tokens": 2, "stop": stop})
        # the stop box applies when the model writes the answer (spans off)
        task.run(tiny_runtime, {"context": "Paris is in France.", "question": "Where?",
                                "spans": False}, params).answer()
    assert [p.stop for p in sent] == [(), ("\n",)]


def test_api_defaults_equal_the_stop_box(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    stops = {name: next(p["parameter_default"] for p in api[name]["parameters"]
                        if p["parameter_name"] == "stop")
             for name in ("/generate", "/summarize", "/answer", "/translate")}
    assert stops == {"/generate": "", "/summarize": "\\n", "/answer": "\\n",
                     "/translate": "\\n"}


# ---- 5. Sentiment: one pass gives both panels ----------------------------------------------
@pytest.mark.parametrize("calibrate", [True, False])
def test_sentiment_fills_both_panels_from_one_pass(tiny_runtime, monkeypatch, calibrate):
    from lmdemo.tasks.catalog.sentiment import SentimentScorer
    from lmdemo.ui.tabs.task_extras import sentiment_details

    task = get_task("sentiment")
    task.run(tiny_runtime, {"text": "warm-up"}, make_params()).answer()  # calibration cached
    calls = []
    probs = SentimentScorer.label_probs
    monkeypatch.setattr(SentimentScorer, "label_probs",
                        lambda self, *a, **k: calls.append(1) or probs(self, *a, **k))
    output = gr.Label()
    parts = SimpleNamespace(output=output)
    extra = sentiment_details(tiny_runtime, parts)
    outs = TabOutputs(output, gr.Textbox(), gr.Markdown(), extra)
    (values,) = list(run_in_tab(tiny_runtime, task, outs)("A lovely film.", "", calibrate,
                                                          False))
    assert len(calls) == 1  # one forward pass for the label, the raw panel and the prompt
    assert values[outs.sent]["value"].endswith("Review: A lovely film.\nSentiment:")
    assert values[outs.sent]["info"] == "template: none (base model)"  # which template, said
    raw = values[extra.outputs[0]]
    assert raw["visible"] is calibrate
    assert values[output]["value"] == get_task("sentiment").run(
        tiny_runtime, {"text": "A lovely film.", "calibrate": calibrate}, make_params()).answer()
    label = values[output]["label"]
    assert (label.key if hasattr(label, "key") else label) == (
        "sentiment_label" if calibrate else "sentiment_uncalibrated")


# ---- 6. Stop says so ---------------------------------------------------------------------
def test_stop_writes_a_notice_in_the_visitors_language():
    assert stopped(_request("en-US")) == "Stopped."
    assert stopped(_request("zh-CN")) == "已停止。"


# ---- 7. Chinese messages ------------------------------------------------------------------
@pytest.fixture(scope="module")
def zh_client(app):
    from gradio_client import Client

    return Client(app[0].src, headers={"Accept-Language": "zh-CN,zh;q=0.9"}, verbose=False)


ZH_CASES = [
    (("   ",), {}, "/generate", "提示词"),
    (("x" * 30_000,), {}, "/summarize", "20,000"),
    (("Some context.", ""), {}, "/answer", "问题"),
    (("Hello", "Klingon"), {}, "/translate", "Klingon"),
    (("",), {}, "/sentiment", "文本"),
    (("Hi",), {"top_p": 0}, "/generate", "Top-p"),
    (("Hi",), {"seed": 1.5}, "/generate", "整数"),
    (("Hi",), {"template": "{text"}, "/generate", "模板"),
    (("Hi",), {"template": "{nope} {text}"}, "/generate", "{nope}"),
    (("Some text.",), {"template": "no slot"}, "/summarize", "{article}"),
]


@pytest.mark.parametrize(("args", "kwargs", "api_name", "part"), ZH_CASES)
def test_common_errors_read_in_chinese(zh_client, args, kwargs, api_name, part):
    with pytest.raises(Exception) as info:
        zh_client.predict(*args, api_name=api_name, **kwargs)
    message = str(info.value)
    assert CHINESE.search(message) and part in message, message
    assert not ENGLISH.search(message.replace("Top-p", "")), message


@pytest.mark.parametrize(("args", "kwargs", "api_name", "part"), ZH_CASES)
def test_task_errors_are_worded_in_chinese_from_their_key(tiny_runtime, args, kwargs, api_name,
                                                          part):
    """The same errors raised in the core: their key and fields word them in Chinese."""
    task = get_task(api_name.strip("/"))
    names = [f.name for f in (*task.inputs, *task.flags)]
    controls = {k: v for k, v in kwargs.items() if k != "template"}
    with pytest.raises(LMDemoError) as info:
        params = make_params(**{**task.defaults, **controls})
        task.run(tiny_runtime, dict(zip(names, args, strict=False)), params,
                 kwargs.get("template")).answer()
    chinese = error_message(info.value, "zh-CN")
    assert CHINESE.search(chinese) and part in chinese, chinese
    assert not ENGLISH.search(chinese.replace("Top-p", "")), chinese
    assert error_message(info.value, "en") == str(info.value)


def test_a_long_notice_is_worded_in_chinese(tiny_runtime):
    from lmdemo.ui.tabs.task_tab import notice_text

    task = get_task("summarize")
    prepared = task.preprocess(tiny_runtime, {"text": "word " * 3000}, 60)
    assert prepared.notices and prepared.notices[0].key == "notice_cut"
    assert notice_text(prepared.notices, "en") == prepared.notice
    chinese = notice_text(prepared.notices, "zh-CN")
    assert chinese.startswith("文章被截到") and not ENGLISH.search(chinese)


def test_the_banner_never_shows_a_raw_network_error(monkeypatch):
    from huggingface_hub import constants

    from lmdemo.models import hub

    def refuse(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub.socket, "create_connection", refuse)
    ok, what = hub.hub_reachable(0.1)
    assert not ok and what == "huggingface.co"
    assert "Errno" not in what and "gaierror" not in what


# ---- 8. One log line for a user's mistake -------------------------------------------------
def test_a_rejected_input_is_one_log_line_without_a_traceback(caplog):
    def bad():
        raise InputError("The prompt is empty. Type or paste some text first.",
                         key="err_empty", what="prompt", what_key="prompt")

    with caplog.at_level(logging.DEBUG, logger="lmdemo"), pytest.raises(gr.Error) as info:
        user_errors(bad)()
    records = [r for r in caplog.records if r.name.startswith("lmdemo")]
    assert len(records) == 1 and records[0].exc_info is None
    assert "prompt is empty" in records[0].getMessage()
    assert info.value.print_exception is False  # Gradio prints no traceback of its own


def test_a_long_input_is_logged_as_a_short_prefix(caplog):
    def bad():
        raise InputError("Unknown thing " + "x" * 5000)

    with caplog.at_level(logging.INFO, logger="lmdemo"), pytest.raises(gr.Error):
        user_errors(bad)()
    assert len(caplog.records) == 1 and len(caplog.records[0].getMessage()) < 300


def test_an_unexpected_error_keeps_its_traceback(caplog):
    def broken():
        raise KeyError("internals")

    with caplog.at_level(logging.INFO, logger="lmdemo"), pytest.raises(gr.Error) as info:
        user_errors(broken)()
    assert len(caplog.records) == 1 and caplog.records[0].exc_info is not None
    assert info.value.print_exception is False  # logged once, by us


def test_a_rejected_api_call_prints_no_traceback(client, capfd):
    with pytest.raises(Exception, match="prompt is empty"):
        client.predict("   ", api_name="/generate")
    assert "Traceback" not in capfd.readouterr().err
