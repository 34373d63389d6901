"""The server while its model loads (issue 18, section 4: first start): the page answers at
once, requests get a message naming the step, and the status line words the progress."""

from __future__ import annotations

import time
import urllib.request

import pytest

from lmdemo.models import progress
from lmdemo.models.progress import LoadStatus, Step
from lmdemo.ui.status import status_line
from tests.test_runtime import WAIT_S, HeldLoader, held_runtime
from tests.ui_server import running_app

CONVERTING = LoadStatus("converting", Step("converting", "convert_weights",
                                           "de-quantizing the GGUF weights", 1, 3, 35), 48.4)


@pytest.mark.parametrize(("language", "words"), [
    ("en", ("converting it once", "de-quantizing the GGUF weights, 35%", "48 s")),
    ("zh-CN", ("首次为本机转换模型", "反量化 GGUF 权重，35%", "48 秒")),
])
def test_the_status_line_names_the_stage_step_percent_and_time(language, words):
    line = status_line(CONVERTING, language)
    assert all(word in line for word in words), line
    assert "**" not in line  # no bold: the browser suite reads bold as the model's banner


def test_the_status_line_without_a_step_or_a_percent():
    line = status_line(LoadStatus("downloading", Step("downloading", "download", "...", 0, 1,
                                                      None), 3.0), "en")
    assert "downloading, from the Hugging Face hub ·" in line
    assert "getting ready" in status_line(LoadStatus(progress.STARTING), "en")


def test_a_failed_load_is_shown_as_text_not_markdown():
    from tests.ui.test_plain import rendered_text

    error = "No file at **/tmp/x_y** [z](http://e)"
    line = status_line(LoadStatus("failed", error=error), "en")
    assert "could not be loaded" in line
    text, tags = rendered_text(line)
    assert error in text  # every character shown as written
    assert not [tag for tag in tags if tag.startswith(("<a", "<strong", "<em"))]


@pytest.fixture(scope="module")
def held_app(tiny_config):
    """The real server on a runtime whose loader holds until ``loader.release()``; yields
    (client, runtime, loader, seconds until GET / answered)."""
    loader = HeldLoader(step=1)
    runtime = held_runtime(tiny_config, loader)
    started = time.perf_counter()
    with running_app(tiny_config, runtime=runtime, ready=False) as (client, runtime):
        with urllib.request.urlopen(client.src, timeout=30) as reply:
            assert reply.status == 200
        yield client, runtime, loader, time.perf_counter() - started
    loader.release()


def test_the_page_answers_and_requests_say_loading_until_the_model_is_ready(held_app):
    from gradio_client.exceptions import AppError

    client, runtime, loader, seconds = held_app
    assert seconds < 60  # tens of seconds on a busy 2-core machine; the model is still held
    assert not runtime.status.ready
    with pytest.raises(AppError, match=r"still loading \(converting, de-quantizing the GGUF "
                                       r"weights, 35%\)"):
        client.predict("Hello", api_name="/generate", max_new_tokens=4)
    loader.release()
    assert runtime.wait_ready(WAIT_S).ready
    assert isinstance(client.predict("Hello", api_name="/generate", max_new_tokens=4), str)


def test_parts_that_need_the_model_are_filled_once_it_is_ready(tiny_config):
    import gradio as gr

    from lmdemo.runtime import Runtime
    from lmdemo.tasks import get_task
    from lmdemo.ui.app import build_demo

    class ReadsChinese(Runtime):
        reads_chinese = True

    runtime = ReadsChinese(tiny_config, background=True)  # never started: not ready
    demo = build_demo(runtime)
    task = get_task("answer")
    english = [list(row) for row in task.examples]
    tables = [b for b in demo.blocks.values() if isinstance(b, gr.Dataset)]
    assert any(table.samples == english for table in tables)  # built before the model loaded
    ready = [b for b in demo.blocks.values() if isinstance(b, gr.State) and b.value is False]
    on_ready = {fn.name: fn for fn in demo.fns.values()
                if any(target == (state._id, "change") for state in ready
                       for target in fn.targets)}
    assert {"rows_for", "note", "measured"} <= set(on_ready)
    from lmdemo.ui.status import ready_mark

    skipped = on_ready["rows_for"].fn(False, None)  # not ready (a switch): nothing yet
    assert skipped and all(update == gr.skip() for update in skipped)
    filled = on_ready["rows_for"].fn(ready_mark(tiny_config.model), None)  # its one model
    assert {"samples": english + [list(row) for row in task.examples_zh],
            "__type__": "update"} in filled
