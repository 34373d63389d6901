"""The callback wrapper: messages instead of tracebacks, and cancellation that frees work."""

import asyncio
import re
import threading

import gradio as gr
import httpx
import pytest

from lmdemo.backends.openai_wire import refused, server_error
from lmdemo.config import config_from_env
from lmdemo.errors import InputError, LMDemoError, ModelLoadError
from lmdemo.params import make_params
from lmdemo.tasks.registry import get_task
from lmdemo.ui.adapters import INTERNAL, error_message, log_line, user_errors


def _collect(agen) -> list:
    async def run():
        return [value async for value in agen]

    return asyncio.run(run())


def test_a_generator_callback_streams_every_value():
    def count(n):
        yield from range(n)

    assert _collect(user_errors(count)(3)) == [0, 1, 2]


def test_a_core_error_becomes_its_own_message():
    def broken():
        yield 1
        raise InputError("The prompt is empty; type some text.")

    with pytest.raises(gr.Error, match="The prompt is empty"):
        _collect(user_errors(broken)())


def test_an_unexpected_error_hides_its_details():
    def broken():
        raise KeyError("secret internals")

    with pytest.raises(gr.Error) as info:
        user_errors(broken)()
    assert info.value.message == INTERNAL


def test_a_users_error_logs_one_line_without_traceback_or_their_text(caplog):
    essay = "line one\nline two\ud800 " + "z" * 5000

    def rejected():
        raise InputError(f"Unknown language {essay!r}", key=None)

    with caplog.at_level("INFO", logger="lmdemo.ui.adapters"), pytest.raises(gr.Error):
        user_errors(rejected)()
    (record,) = caplog.records
    line = record.getMessage()
    assert record.levelname == "INFO" and record.exc_info is None
    assert "\n" not in line and len(line) <= 240 and "z" * 200 not in line
    line.encode("utf-8")  # a lone surrogate is escaped, so any log handler can write it


def test_a_bug_logs_its_traceback(caplog):
    def broken():
        raise KeyError("secret internals")

    with caplog.at_level("INFO", logger="lmdemo.ui.adapters"), pytest.raises(gr.Error):
        user_errors(broken)()
    (record,) = caplog.records
    assert record.levelname == "ERROR" and record.exc_info is not None
    assert "secret internals" in caplog.text


@pytest.mark.parametrize(("text", "line"), [("a\nb", "a\\nb"), ("x" * 300, "x" * 200 + "…"),
                                            ("bad \udc80", "bad \\udc80")])
def test_log_line(text, line):
    assert log_line(text) == line


def test_cancelling_mid_step_closes_the_generator_when_the_step_returns():
    """Gradio cancels the task without waiting for the worker thread; the step closes it."""
    step_started, release, closed = threading.Event(), threading.Event(), threading.Event()

    def slow():
        try:
            yield "first"
            step_started.set()
            release.wait(5)
            yield "second"
            yield "never pulled"
        finally:
            closed.set()

    async def run():
        agen = user_errors(slow)()
        assert await agen.__anext__() == "first"
        task = asyncio.ensure_future(agen.__anext__())
        await asyncio.to_thread(step_started.wait, 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not closed.is_set()  # the step is still running in its thread
        release.set()
        await asyncio.to_thread(closed.wait, 5)

    asyncio.run(run())
    assert closed.is_set()


def test_closing_between_steps_closes_at_once():
    closed = threading.Event()

    def gen():
        try:
            yield 1
            yield 2
        finally:
            closed.set()

    async def run():
        agen = user_errors(gen)()
        assert await agen.__anext__() == 1
        await agen.aclose()

    asyncio.run(run())
    assert closed.is_set()


class _Work:
    """A stand-in engine request: records its owner and whether it was cancelled."""

    def __init__(self) -> None:
        from lmdemo.sessions import current_owner, track

        self.owner = current_owner()
        self.cancelled = threading.Event()
        track(self)

    def cancel(self) -> None:
        self.cancelled.set()


def _as_session(session_hash: str):
    """Gradio's per-event request, as the wrapper reads it."""
    from gradio.context import LocalContext

    return LocalContext.request.set(type("Req", (), {"session_hash": session_hash})())


def test_a_failed_call_runs_for_its_session_and_cancels_what_it_queued():
    made: list[_Work] = []

    def probe():
        made.extend(_Work() for _ in range(24))  # the bias probe queues 24
        raise KeyError("one of them failed")

    token = _as_session("visitor-1")
    try:
        with pytest.raises(gr.Error):
            user_errors(probe)()
    finally:
        from gradio.context import LocalContext

        LocalContext.request.reset(token)
    assert {work.owner for work in made} == {"visitor-1"}
    assert all(work.cancelled.is_set() for work in made)


def test_stopping_a_generator_mid_step_cancels_the_requests_it_waits_on():
    """The step blocks on its requests (as the bias probe's does); Stop must end them so the
    step returns, rather than leave them running for nobody."""
    made: list[_Work] = []
    waiting = threading.Event()

    def view():
        yield "probe"
        made.extend(_Work() for _ in range(3))
        waiting.set()
        for work in made:  # like Request.result(): returns once the request ends
            assert work.cancelled.wait(10)
        yield "continuations"

    async def run():
        token = _as_session("visitor-2")
        agen = user_errors(view)()
        assert await agen.__anext__() == "probe"
        task = asyncio.ensure_future(agen.__anext__())
        await asyncio.to_thread(waiting.wait, 5)
        task.cancel()  # Stop, a closed tab, a client's cancel
        with pytest.raises(asyncio.CancelledError):
            await task
        from gradio.context import LocalContext

        LocalContext.request.reset(token)

    asyncio.run(run())
    assert len(made) == 3 and all(work.owner == "visitor-2" for work in made)
    assert all(work.cancelled.is_set() for work in made)


def _raised(call) -> LMDemoError:
    with pytest.raises(LMDemoError) as info:
        call()
    return info.value


# Errors the core raises by key, each as a Chinese visitor and as the log, CLI and API read them
CORE_ERRORS = {
    "busy": (lambda: refused("http://x:1/v1", 503, ""), "http://x:1/v1 上的模型服务器正忙",
             "The model server at http://x:1/v1 is busy (HTTP 503). Try again in a moment."),
    "unreachable": (lambda: server_error("http://x:1/v1", httpx.ConnectError("no"), 5.0),
                    "无法连接", "Could not reach the model server at http://x:1/v1"),
    "setting": (lambda: _raised(lambda: config_from_env({"LMDEMO_NOPE": "1"})), "未知的设置",
                "Unknown setting LMDEMO_NOPE. Known settings: "),
    "task": (lambda: _raised(lambda: get_task("poem")), "未知的任务",
             "Unknown task 'poem'. Tasks: generate, "),
    "range": (lambda: _raised(lambda: make_params(temperature=5)), "温度",
              "Temperature must be between 0 and 2; got 5."),
    "nested": (lambda: ModelLoadError(key="err_model_chosen", name="'x'", error=ModelLoadError(
        key="err_model_not_cached", source="org/x")), "不在本地 Hugging Face 缓存中",
        "The model you chose, 'x', could not be loaded: org/x is not in the local Hugging Face "
        "cache."),
}


@pytest.mark.parametrize("case", CORE_ERRORS)
def test_core_errors_are_worded_in_the_visitors_language(case):
    make, chinese_part, english = CORE_ERRORS[case]
    exc = make()
    chinese = error_message(exc, "zh-CN")
    assert chinese_part in chinese and re.search(r"[\u4e00-\u9fff]{4}", chinese), chinese
    assert not re.search(r"\b(the|is|and|not|must)\b", chinese), chinese  # no English left
    assert str(exc).startswith(english) and error_message(exc, "en") == str(exc)
