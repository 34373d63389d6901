"""The Compare tab and its ``/compare`` endpoint (lmdemo/ui/tabs/compare.py), on an app that
offers a tiny GPT-2 and a tiny Llama, and on one that offers a single model."""

from __future__ import annotations

import asyncio
import html

import gradio as gr
import pytest

from lmdemo.inspection.compare import compare, pick_models
from lmdemo.params import make_params
from lmdemo.shelf import Shelf, VisitorRuntime
from lmdemo.ui.plain import PlainText
from tests.ui.test_inspect import api_functions
from tests.ui.test_links import FakeRequest, restore_fn, shown_notices

PROMPT = "你好，世界！The capital of France is"
SETTINGS = {"temperature": 0.9, "top_k": 40, "top_p": 0.95, "max_new_tokens": 10,
            "repetition_penalty": 1.1, "seed": 7, "stop": ""}


@pytest.fixture(scope="module")
def shelf(pair_shelf):
    return pair_shelf


@pytest.fixture(scope="module")
def demo(shelf):
    from lmdemo.ui.app import build_demo

    return build_demo(VisitorRuntime(shelf), None, shelf)


@pytest.fixture(scope="module")
def single(tiny_runtime):
    from lmdemo.ui.app import build_demo

    return build_demo(tiny_runtime)


def expected(shelf: Shelf, task: str = "generate") -> dict:
    """The core's comparison of the shelf's two models, run on its own."""
    names = pick_models(shelf, None)
    return compare([shelf.runtime(name) for name in names], names, PROMPT,
                   make_params(**SETTINGS), task)


def press_of(demo: gr.Blocks):
    """The Compare button's event."""
    fns = [fn for fn in demo.fns.values()
           if getattr(fn.fn, "__qualname__", "") == "build_compare_tab.<locals>.press"]
    assert len(fns) == 1
    return fns[0]


def pressed(demo: gr.Blocks, *values: object) -> list[dict]:
    """Every update the Compare button's event yields."""

    async def run() -> list[dict]:
        return [update async for update in press_of(demo).fn(*values)]

    return asyncio.run(run())


def test_the_endpoint_returns_the_cores_comparison(demo, shelf):
    got = api_functions(demo)["compare"](PROMPT, "", "translate", *SETTINGS.values())
    assert got == expected(shelf, "translate")
    first, second = got["models"]
    assert first["token_count"] != second["token_count"]  # two tokenizers


def test_the_tab_fills_both_columns_as_the_endpoint_does(demo, shelf):
    names = pick_models(shelf, None)
    updates = pressed(demo, PROMPT, ",".join(reversed(names)), "generate", *SETTINGS.values())
    event = press_of(demo)
    columns = [event.outputs[i:i + 6] for i in (0, 6)]
    final: dict = {}
    for update in updates:
        final.update(update)
    want = {side["model"]: side for side in expected(shelf)["models"]}
    for (name, count, tokens, top, sent, output), model in zip(columns, reversed(names),
                                                                strict=True):
        assert isinstance(name, PlainText) and final[name] == model
        assert final[count] == want[model]["token_count"]
        assert final[sent] == PROMPT
        assert final[output] == want[model]["output"]
        assert all(html.escape(tok["display"]) in final[tokens]
                   for tok in want[model]["tokens"])
        assert final[top].count('class="lm-tok"') == len(want[model]["next_tokens"])
    assert len(updates) > 2  # the answers stream


def test_a_wrong_model_name_names_the_choices(demo, shelf):
    with pytest.raises(gr.Error) as info:
        api_functions(demo)["compare"](PROMPT, f"{shelf.names[0]},gpt-5")
    assert "gpt-5" in info.value.message and shelf.names[1] in info.value.message


def test_with_one_model_the_tab_says_how_to_start_with_two(single, demo):
    with pytest.raises(gr.Error, match="--models A,B"):
        api_functions(single)["compare"](PROMPT)
    # The button (a Learn link runs it) leaves the columns empty, under the note: no error.
    assert [set(update.values()) for update in pressed(
        single, PROMPT, "", "generate", *SETTINGS.values())] == [{""}]

    def note(app: gr.Blocks) -> bool:
        return next(b for b in app.blocks.values()
                    if getattr(b, "elem_id", None) == "compare-one-model").visible

    assert note(single) and not note(demo)


def test_a_link_opens_the_tab_with_its_models_and_prompt(demo, shelf):
    models = ",".join(shelf.names)
    out = restore_fn(demo).fn(FakeRequest({"tab": "compare", "models": models,
                                           "prompt": PROMPT, "seed": "3"}))
    assert not shown_notices(out)
    values = list(out.values())
    assert models in values and PROMPT in values and 3 in values
    assert any(isinstance(v, gr.Tabs) and v.selected == "compare" for v in out.values())
