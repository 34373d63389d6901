"""Follow the teacher on the server side (lmdemo/ui/follow.py): opening, claiming, sharing,
recording the teacher's results once, and the stream followers read. The pages themselves are
tested in tests/browser/test_browser_follow.py."""

from __future__ import annotations

import asyncio
import html
import json
from urllib.parse import unquote

import gradio as gr
import pytest
import segno
from gradio.context import LocalContext

from lmdemo.classroom import Classroom
from lmdemo.ui.follow import as_sent, page_address, qr_html, recording
from lmdemo.ui.follow_stream import ClassEvents


class FakeRequest:
    def __init__(self, query: dict[str, str], session: str, language: str = "en"):
        self.query_params = query
        self.session_hash = session
        self.headers = {"accept-language": language, "referer": "http://class.test/?x=1"}


@pytest.fixture(scope="module")
def room() -> Classroom:
    return Classroom()


@pytest.fixture(scope="module")
def demo(tiny_runtime, room):
    from lmdemo.ui.app import build_demo

    return build_demo(tiny_runtime, room)


def event(demo, name: str):
    found = [fn for fn in demo.fns.values() if fn.api_name == name]
    assert len(found) == 1, name
    return found[0].fn


def by_id(demo, elem_id: str):
    return next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == elem_id)


def info(demo, out: dict) -> dict:
    return json.loads(out[by_id(demo, "class-info")])


def status(demo, out: dict) -> str:
    return out[by_id(demo, "class-status")]


def open_class(demo, session: str = "teacher") -> tuple[str, str]:
    out = event(demo, "class_start")(FakeRequest({"teach": "1"}, session))
    opened = info(demo, out)
    return opened["code"], opened["key"]


def test_a_teacher_gets_a_code_a_student_link_its_qr_code_and_the_key_once(demo, room):
    out = event(demo, "class_start")(FakeRequest({"teach": "1"}, "t1"))
    opened = info(demo, out)
    code, key = opened["code"], opened["key"]
    link = out[by_id(demo, "class-link")]["value"]
    assert link == f"http://class.test/?follow={code}"
    assert code in status(demo, out)
    assert out[by_id(demo, "class-secret-link")] == f"http://class.test/?teach={code}&key={key}"
    assert room.driving("t1") == code
    # The same page reloaded claims the class with its key: no new key is shown.
    again = event(demo, "class_claim")(key, FakeRequest({"teach": code}, "t1-reload"))
    assert info(demo, again) == {"role": "teacher", "code": code}
    assert by_id(demo, "class-secret-link") not in again
    assert room.driving("t1-reload") == code


def test_the_qr_code_is_segnos_drawing_of_the_link():
    url = "http://class.test/?follow=ABC234"
    drawn = qr_html(url, 'QR "code" <b>')
    src = html.unescape(drawn.split('src="')[1].split('"')[0])
    assert src == segno.make(url, error="m").svg_data_uri(border=2)
    assert "<b>" not in drawn and "&lt;b&gt;" in drawn  # the alt text is text
    assert "<svg" in unquote(src)


@pytest.mark.parametrize(("headers", "expected"), [
    ({"referer": "https://school.example/lm/?teach=1&key=s#x"}, "https://school.example/lm/"),
    ({"origin": "http://127.0.0.1:7860"}, "http://127.0.0.1:7860/"),
    ({"referer": "javascript:alert(1)"}, "/"),
    ({}, "/"),
])
def test_the_student_link_starts_at_the_teachers_page(headers, expected):
    assert page_address(headers) == expected


def test_a_wrong_key_or_code_is_refused_in_the_visitors_language(demo, room):
    code, _ = open_class(demo, "t2")
    out = event(demo, "class_claim")("guess", FakeRequest({"teach": code}, "s1", "zh-CN"))
    assert status(demo, out).startswith("只有教师自己的链接才能主持这个课堂")
    assert room.driving("s1") is None
    out = event(demo, "class_start")(FakeRequest({"follow": "NOPE"}, "s2"))
    assert "NOPE" in status(demo, out) and info(demo, out) == {"role": "none"}


def test_a_follower_is_told_its_class(demo, room):
    code, _ = open_class(demo, "t3")
    out = event(demo, "class_start")(FakeRequest({"follow": code.lower()}, "s3"))
    assert info(demo, out) == {"role": "follower", "code": code}
    assert out[by_id(demo, "class-back")]["visible"] is True


def test_only_the_teachers_page_shares_its_view_and_results(demo, room):
    code, _ = open_class(demo, "t4")
    room.find(code)
    publish = event(demo, "class_publish")
    publish("tab=tokenize&text=A+student+wrote+this", "", FakeRequest({}, "s4"))
    assert room.changes(code).query is None
    publish("tab=tokenize&text=Hello+class", "", FakeRequest({}, "t4"))
    changes = room.changes(code)
    assert changes.query == "tab=tokenize&text=Hello+class"
    values = [u.get("value") for u in changes.view.values()]
    assert "Hello class" in values  # the text field, worked out once on the server
    assert {"__type__": "update", "selected": "inspect"} in changes.view.values()

    show = next(fn for fn in demo.fns.values() if fn.name == "show" and len(fn.outputs) == 7)
    token = LocalContext.request.set(FakeRequest({}, "s4"))
    try:
        show.fn("A student's own run")  # a follower's run is not the class's
    finally:
        LocalContext.request.reset(token)
    assert room.changes(code).results == {}
    token = LocalContext.request.set(FakeRequest({}, "t4"))
    try:
        show.fn("Hello class")
    finally:
        LocalContext.request.reset(token)
    results = room.changes(code).results
    chips = [u["value"] for u in results.values() if "lm-chip" in str(u.get("value"))]
    assert chips and "Hello" in chips[0]
    json.dumps(results)  # plain data, ready for every follower


def test_as_sent_works_out_what_gradio_would_send():
    dropdown = gr.Dropdown(["a"], value="a", render=False)
    sent = as_sent(dropdown, gr.update(choices=[("Mean", "mean"), "0"], value="0"))
    assert sent == {"__type__": "update", "choices": [("Mean", "mean"), ("0", "0")],
                    "value": "0"}
    assert as_sent(gr.Number(render=False), 3) == {"__type__": "update", "value": 3}
    assert as_sent(gr.Tabs(render=False), gr.Tabs(selected="x", render=False)) == {
        "__type__": "update", "selected": "x"}


@pytest.mark.parametrize("kind", ["plain", "generator", "coroutine", "async generator"])
def test_recording_keeps_the_kind_of_function_gradio_checks(kind):
    import inspect

    def plain(x):
        return x + 1

    def generator(x):
        yield x + 1
        yield x + 2

    async def coroutine(x):
        return x + 1

    async def async_generator(x):
        yield x + 1

    fn = {"plain": plain, "generator": generator, "coroutine": coroutine,
          "async generator": async_generator}[kind]
    noted = []
    wrapped = recording(fn, noted.append)
    assert (inspect.isgeneratorfunction(wrapped), inspect.iscoroutinefunction(wrapped),
            inspect.isasyncgenfunction(wrapped)) == (
        inspect.isgeneratorfunction(fn), inspect.iscoroutinefunction(fn),
        inspect.isasyncgenfunction(fn))
    if kind == "plain":
        assert wrapped(1) == 2
    elif kind == "generator":
        assert list(wrapped(1)) == [2, 3]
    elif kind == "coroutine":
        assert asyncio.run(wrapped(1)) == 2
    else:
        async def drain():
            return [v async for v in wrapped(1)]
        assert asyncio.run(drain()) == [2]
    assert noted == ([2, 3] if kind == "generator" else [2])


def test_a_recorded_stream_stopped_early_closes_the_stream_it_wraps():
    closed = []

    def stream():
        try:
            yield 1
            yield 2
        finally:
            closed.append(True)

    wrapped = recording(stream, lambda value: None)()
    assert next(wrapped) == 1
    wrapped.close()  # what Gradio's Stop does to a running stream
    assert closed == [True]


def test_the_stream_sends_everything_then_changes_then_the_end():
    room = Classroom()
    lesson = room.open()
    room.drive(lesson.code, lesson.secret, "t")
    room.record("t", {5: {"__type__": "update", "value": "<b>map</b>"}})
    events = ClassEvents(app=None, classroom=room)

    async def read() -> list[dict]:
        got = []
        stream = events.stream(lesson.code, "zh-CN")
        async for line in stream:
            if line.startswith("data: "):
                got.append(json.loads(line[6:]))
                if len(got) == 1:
                    room.show("t", "tab=tokenize", "attention-map:3")
                elif len(got) == 2:
                    room.end("t")
        return got

    first, second, last = asyncio.run(asyncio.wait_for(read(), 10))
    assert first["results"] == {"5": {"__type__": "update", "value": "<b>map</b>"}}
    assert second == {"version": 2, "results": {}, "view": {}, "pointer": "attention-map:3"}
    assert last == {"ended": f"课堂 {lesson.code} 已结束；请向老师索取下一个课堂的代码。"}
