"""The model picker (lmdemo/ui/picker.py) on an app offering two tiny models: each visitor's
pick, its banner and refilled parts, links with ``model=``, closing the page, the API list,
and one event staying on one model. The pages themselves: tests/browser/test_browser_models.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import gradio as gr
import pytest
from gradio.context import LocalContext

from lmdemo.classroom import Classroom
from lmdemo.config import AppConfig
from lmdemo.shelf import Shelf, VisitorRuntime
from lmdemo.ui.adapters import user_errors, visitor_session
from lmdemo.ui.plain import markdown_text
from lmdemo.ui.status import ready_mark
from tests.conftest import build_tiny_gpt2

WAIT_S = 120


class FakeRequest:
    def __init__(self, session: str, query: dict[str, str] | None = None,
                 language: str = "en"):
        self.session_hash = session
        self.query_params = query or {}
        self.headers = {"accept-language": language}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> tuple[str, str]:
    """Two tiny random GPT-2 folders with different weights."""
    root = tmp_path_factory.mktemp("two-models")
    # the banner names a folder's model by the folder's own name
    return tuple(str(build_tiny_gpt2(root / f"build-{name}", seed).rename(root / name))
                 for seed, name in enumerate(("alpha", "omega")))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def room() -> Classroom:
    return Classroom()


@pytest.fixture(scope="module")
def app(models, room, tmp_path_factory):
    """(demo, shelf): the app on both models, the first loaded, the second not yet."""
    from lmdemo.runtime import Runtime
    from lmdemo.ui.app import build_demo

    class ReadsChinese(Runtime):  # omega is taken to read Chinese: its examples add rows
        reads_chinese = True

    config = AppConfig(models=models, cache_dir=tmp_path_factory.mktemp("cache"),
                       quantize="none")
    shelf = Shelf(config, lambda cfg: (ReadsChinese if cfg.model == models[1] else Runtime)(
        cfg, background=True), visitor=visitor_session)
    demo = build_demo(VisitorRuntime(shelf), room, shelf)
    shelf.start()
    assert shelf.runtime(models[0]).wait_ready(WAIT_S).ready
    yield demo, shelf
    shelf.close()


def named(demo, name: str, outputs: int | None = None):
    found = [fn for fn in demo.fns.values() if fn.name == name
             and (outputs is None or len(fn.outputs) == outputs)]
    assert len(found) == 1, (name, len(found))
    return found[0]


def picker_of(demo) -> gr.Dropdown:
    return next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "model-picker")


def in_event(session: str, fn, *args):
    """``fn(*args)`` as Gradio runs it in an event of the page session ``session``."""
    token = LocalContext.request.set(FakeRequest(session))
    try:
        return fn(*args)
    finally:
        LocalContext.request.reset(token)


def banner_names(text: str, models) -> list[str]:
    """The models whose name ``text`` (a banner) shows on its first line, the live model's
    (the second line, why, names the app's default too)."""
    first = text.split("\n")[0]
    return [m for m in models if markdown_text(Path(m).name) in first]


def test_the_picker_offers_the_models_the_default_first(app, models):
    demo, _ = app
    picker = picker_of(demo)
    assert [c[1] for c in picker.choices] == list(models)
    assert picker.value == models[0]


def test_a_switch_changes_that_visitors_model_only_and_loads_it_with_progress(app, models):
    demo, shelf = app
    load, switch = named(demo, "on_load").fn, named(demo, "switch").fn
    _, value, banner, timer, ready = load(FakeRequest("v1"))
    assert value == models[0] and banner_names(banner, models) == [models[0]]
    assert ready == ready_mark(models[0]) and timer.active is False

    banner, timer, ready = switch(models[1], FakeRequest("v1"))
    # omega was never loaded: its load starts, the banner shows it, the timer polls again
    assert shelf.chosen("v1") == models[1] and shelf.chosen("v2") == models[0]
    # (a load takes far longer than the reply: the banner shows its progress)
    assert ready is False and "getting ready" in banner and timer.active is True
    assert shelf.runtime(models[1]).wait_ready(WAIT_S).ready
    banner, timer, ready = named(demo, "update").fn(FakeRequest("v1"))  # the next tick
    assert banner_names(banner, models) == [models[1]]
    assert ready == ready_mark(models[1]) and timer.active is False

    _, value, banner, _, ready = load(FakeRequest("v2"))  # a second visitor: still alpha
    assert value == models[0] and banner_names(banner, models) == [models[0]]
    runtime = VisitorRuntime(shelf)
    assert in_event("v1", lambda: runtime.model_name) == "omega"
    assert in_event("v2", lambda: runtime.model_name) == "alpha"


def test_the_parts_filled_for_the_model_are_filled_again_after_a_switch(app, models):
    demo, shelf = app
    note = named(demo, "note").fn  # the bias probe's note names the live model
    assert note(False, FakeRequest("v3")) == gr.skip()  # a model still loading: later
    assert banner_names(in_event("v3", note, ready_mark(models[0]), FakeRequest("v3")),
                        models) == [models[0]]
    shelf.choose("v3", models[1])
    assert shelf.runtime(models[1]).wait_ready(WAIT_S).ready
    assert banner_names(in_event("v3", note, ready_mark(models[1]), FakeRequest("v3")),
                        models) == [models[1]]
    # ready for alpha, but the visitor has switched to omega since: left for omega's turn
    assert note(ready_mark(models[0]), FakeRequest("v3")) == gr.skip()
    rows = named(demo, "rows_for").fn  # the examples: Chinese rows for a model that reads it
    on_alpha = in_event("v3-other", rows, ready_mark(models[0]), FakeRequest("v3-other"))
    on_omega = in_event("v3", rows, ready_mark(models[1]), FakeRequest("v3"))
    assert on_alpha and all(len(a["samples"]) < len(o["samples"])
                            for a, o in zip(on_alpha, on_omega, strict=True))
    facts = named(demo, "measured").fn  # the Learn page's heads, measured on the pick
    assert "layer" in in_event("v3", facts, ready_mark(models[1]), FakeRequest("v3"))


def test_a_links_model_is_picked_before_the_page_shows_it(app, models):
    demo, shelf = app
    _, value, banner, _, _ = named(demo, "on_load").fn(
        FakeRequest("v4", {"model": models[1], "tab": "generate", "run": "1"}))
    assert value == models[1] and shelf.chosen("v4") == models[1]
    out = named(demo, "restore").fn(FakeRequest("v4", {"model": models[1]}))
    notice = next(c for c in out if getattr(c, "elem_id", "") == "link-notice")
    assert out[notice] == gr.skip()  # an offered model: nothing to say


def test_a_link_to_a_model_not_offered_names_it_and_keeps_the_default(app, models):
    demo, shelf = app
    asked = "**gpt2** <img src=x>"
    out = named(demo, "restore").fn(FakeRequest("v5", {"model": asked}))
    notice = next(c for c in out if getattr(c, "elem_id", "") == "link-notice")
    text = out[notice]["value"]
    assert asked in text and f"{models[0]}, {models[1]}" in text
    assert shelf.chosen("v5") == models[0]
    assert notice.postprocess(text) == markdown_text(text)  # shown as text, not Markdown


def test_followers_are_shown_the_teachers_model(app, models, room):
    demo, _ = app
    start = next(fn for fn in demo.fns.values() if fn.api_name == "class_start").fn
    publish = next(fn for fn in demo.fns.values() if fn.api_name == "class_publish").fn
    out = start(FakeRequest("teacher", {"teach": "1"}))
    code = json.loads(next(v for c, v in out.items()
                           if getattr(c, "elem_id", "") == "class-info"))["code"]
    picker = picker_of(demo)

    def followers_picker() -> object:
        return room.changes(code).view[picker._id]["value"]

    publish(f"tab=tokenize&model={models[1]}", "", FakeRequest("teacher"))
    assert followers_picker() == models[1]
    publish("tab=tokenize", "", FakeRequest("teacher"))  # back on the default
    assert followers_picker() == models[0]
    publish("model=nope", "", FakeRequest("teacher"))  # not offered: the default
    assert followers_picker() == models[0]
    apply = next(fn for fn in demo.fns.values() if fn.js and "takeUpdates" in fn.js)
    assert picker in apply.outputs  # the follower's page takes the update


def test_closing_the_page_forgets_the_pick(app, models):
    demo, shelf = app
    shelf.choose("v6", models[1])
    unload = next(fn for fn in demo.fns.values()
                  if any(target[1] == "unload" for target in fn.targets))
    unload.fn(FakeRequest("v6"))
    assert shelf.chosen("v6") == models[0]


def test_api_clients_list_the_models_and_pick_one_for_their_session(app, models):
    demo, shelf = app
    listed = named(demo, "models").fn(FakeRequest("api1"))
    assert [m["name"] for m in listed] == list(models)
    assert [m["default"] for m in listed] == [True, False]
    assert listed[0]["loaded"] is True and listed[0]["picked"] is True
    chosen = named(demo, "choose_model").fn(models[1], FakeRequest("api1"))
    assert [m["picked"] for m in chosen] == [False, True]
    assert shelf.chosen("api1") == models[1]
    json.dumps(chosen)
    with pytest.raises(gr.Error, match="does not offer"):
        named(demo, "choose_model").fn("nope", FakeRequest("api1"))
    config = demo.config["dependencies"]
    visibility = {d["api_name"]: d["api_visibility"] for d in config}
    assert visibility["models"] == "public" and visibility["choose_model"] == "undocumented"


def test_a_generation_keeps_its_model_when_the_visitor_switches_meanwhile(app, models):
    _, shelf = app
    runtime = VisitorRuntime(shelf)
    shelf.choose("v7", models[0])

    def stream():
        yield runtime.model_name
        yield runtime.model_name

    async def run() -> list[str]:
        token = LocalContext.request.set(FakeRequest("v7"))
        try:
            steps = user_errors(stream)()
            first = await steps.__anext__()
            shelf.choose("v7", models[1])  # the picker, while the answer streams
            second = await steps.__anext__()
            await steps.aclose()
            return [first, second]
        finally:
            LocalContext.request.reset(token)

    assert asyncio.run(run()) == ["alpha", "alpha"]
    assert in_event("v7", lambda: runtime.model_name) == "omega"  # the next event


def test_one_model_has_no_picker_and_no_list_to_choose_from(tiny_runtime):
    from lmdemo.ui.app import build_demo

    demo = build_demo(tiny_runtime)
    assert not [b for b in demo.blocks.values()
                if getattr(b, "elem_id", None) == "model-picker"]
    assert not [fn for fn in demo.fns.values() if any(t[1] == "unload" for t in fn.targets)]
    assert [m["default"] for m in named(demo, "models").fn(FakeRequest("x"))] == [True]


def test_a_runtime_made_by_a_shelf_alone_makes_a_one_model_page(app, models):
    from lmdemo.ui.app import build_demo

    _, shelf = app
    runtime = shelf.runtime(models[0])
    assert runtime.config.models == tuple(models)  # it carries the app's list (its banner)
    demo = build_demo(runtime)  # no shelf given: this runtime's model, and it alone
    assert not [b for b in demo.blocks.values()
                if getattr(b, "elem_id", None) == "model-picker"]
    assert [m["default"] for m in named(demo, "models").fn(FakeRequest("x"))] == [True]


def test_an_api_client_runs_on_the_model_its_session_picked(models, tmp_path):
    from gradio_client import Client

    from tests.ui_server import running_app

    config = AppConfig(models=models, cache_dir=tmp_path / "cache", quantize="none")
    with running_app(config) as (first, runtime):
        second = Client(first.src, verbose=False)  # a second client: its own session

        def odds(client) -> list:
            return client.predict("The capital of France is", api_name="/next_token", top_k=3)

        before = odds(first)
        picked = first.predict(models[1], api_name="/choose_model")
        assert [m["picked"] for m in picked] == [False, True]
        assert runtime.shelf.runtime(models[1]).wait_ready(WAIT_S).ready  # loading meanwhile
        assert odds(first) != before  # omega's weights, not alpha's
        assert odds(second) == before  # the other client still runs on the default
        listed = second.predict(api_name="/models")
        assert [(m["name"], m["loaded"], m["picked"]) for m in listed] == [
            (models[0], True, True), (models[1], True, False)]
