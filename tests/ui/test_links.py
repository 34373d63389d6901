"""Links that reopen a view: query parsing and validation, link building, and the page's
load event restoring a link against the real app with the tiny model."""

from urllib.parse import parse_qsl, urlsplit

import gradio as gr
import pytest

from lmdemo.tasks import all_tasks
from lmdemo.ui.links import (
    CHOICE,
    FLAG,
    NUMBER,
    TEXT,
    Param,
    _update,
    link,
    param_of,
    parse_query,
    parse_value,
)
from lmdemo.ui.strings import EN, ZH
from lmdemo.ui.tabs.task_tab import parameter_names

VIEWS = {
    "answer": {"context": Param(TEXT), "question": Param(TEXT),
               "seed": Param(NUMBER, 0, 2**31 - 1, integer=True),
               "temperature": Param(NUMBER, 0.0, 2.0)},
    "attention": {"text": Param(TEXT), "layer": Param(NUMBER, 0, 11, integer=True),
                  "head": Param(CHOICE, choices=("mean", "0", "1"))},
    "sentiment": {"text": Param(TEXT), "calibrate": Param(FLAG)},
    "learn": {},
}


def keys(opened) -> list[str]:
    return [n.key for n in opened.notices]


def test_a_link_selects_the_view_and_fills_its_fields():
    opened = parse_query({"tab": "answer", "context": "Paris is in France.",
                          "question": "Where is Paris?", "seed": "7", "run": "1"}, VIEWS)
    assert opened.name == "answer"
    assert opened.values == {"context": "Paris is in France.", "question": "Where is Paris?",
                             "seed": 7}
    assert opened.run and not opened.present and not opened.notices


def test_no_tab_opens_the_default_page():
    assert parse_query({}, VIEWS).name is None
    assert parse_query({"present": "1"}, VIEWS).present


def test_an_unknown_tab_is_a_notice_that_lists_the_views():
    opened = parse_query({"tab": "summarise", "text": "x"}, VIEWS)
    assert opened.name is None and opened.values == {}
    assert keys(opened) == ["link_unknown_tab"]
    assert "answer, attention" in str(opened.notices[0].fields["names"])


def test_an_alias_opens_its_view():
    assert parse_query({"tab": "inspect"}, VIEWS, {"inspect": "attention"}).name == "attention"


@pytest.mark.parametrize(
    ("query", "values", "notices"),
    [
        ({"layer": "3"}, {"layer": 3}, []),
        ({"layer": "3.0"}, {"layer": 3}, []),
        ({"layer": "12"}, {}, ["link_bad_whole"]),
        ({"layer": "-1"}, {}, ["link_bad_whole"]),
        ({"layer": "2.5"}, {}, ["link_bad_whole"]),
        ({"layer": "three"}, {}, ["link_bad_whole"]),
        ({"layer": "nan"}, {}, ["link_bad_whole"]),
        ({"layer": "inf"}, {}, ["link_bad_whole"]),
        ({"head": "mean"}, {"head": "mean"}, []),
        ({"head": "7"}, {}, ["link_bad_choice"]),
        ({"colour": "red"}, {}, ["link_unknown_param"]),
        ({"text": "The cat sat", "layer": "99"}, {"text": "The cat sat"}, ["link_bad_whole"]),
    ],
)
def test_bad_values_keep_the_default_and_say_why(query, values, notices):
    opened = parse_query({"tab": "attention", **query}, VIEWS)
    assert opened.name == "attention"
    assert opened.values == values
    assert keys(opened) == notices


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0.7", 0.7), ("2", 2.0), ("0", 0.0), ("2.5", None), ("", None), ("1e400", None)],
)
def test_float_settings_parse_within_their_range(raw, expected):
    value, notice = parse_value("temperature", raw, Param(NUMBER, 0.0, 2.0))
    assert value == expected
    assert (notice is None) == (expected is not None)
    if notice:
        assert notice.fields["range"] == " (0–2)"


@pytest.mark.parametrize(("raw", "expected"),
                         [("1", True), ("true", True), ("0", False), ("off", False)])
def test_flags(raw, expected):
    opened = parse_query({"tab": "sentiment", "calibrate": raw}, VIEWS)
    assert opened.values == {"calibrate": expected}


def test_a_bad_flag_and_an_overlong_text_are_refused():
    opened = parse_query({"tab": "sentiment", "calibrate": "maybe", "text": "x" * 20_001},
                         VIEWS)
    assert opened.values == {}
    assert keys(opened) == ["link_bad_flag", "link_too_long"]


def test_every_notice_has_both_languages_and_its_fields_fit():
    fields = {"name": "n", "names": "a, b", "tab": "t", "value": "v", "range": " (0–1)",
              "choices": "a, b", "limit": "20,000"}
    for key in ("link_unknown_tab", "link_unknown_param", "link_bad_number", "link_bad_whole",
                "link_bad_choice", "link_bad_flag", "link_too_long"):
        assert EN[key].format(**fields) and ZH[key].format(**fields)


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("answer", {"context": "Paris is in France & Spain is not.", "question": "Where?",
                    "seed": 7}),
        ("attention", {"text": "The cat sat", "layer": 3, "head": "mean"}),
        ("sentiment", {"text": "良い映画。很好看！", "calibrate": False}),
    ],
)
def test_link_round_trips_through_parse_query(name, values):
    url = link(name, run=True, **values)
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    opened = parse_query(query, VIEWS)
    assert opened.name == name and opened.run and not opened.notices
    assert opened.values == values


def test_link_writes_whole_floats_as_integers():
    assert link("attention", layer=3.0) == "?tab=attention&layer=3"


def test_a_range_known_from_the_model_widens_the_widget():
    with gr.Blocks():
        slider = gr.Slider(0, 1, step=1)
        head = gr.Dropdown(["mean", "0"])
    own = param_of(slider)
    assert _update(slider, 5, Param(NUMBER, 0, 11, integer=True), own) == gr.update(
        value=5, maximum=11)
    assert _update(slider, 1, own, own) == 1
    assert _update(head, "3", Param(CHOICE, choices=("mean", "0", "1", "2", "3")),
                   param_of(head)) == gr.update(value="3", choices=["mean", "0", "1", "2", "3"])


def test_widget_params():
    with gr.Blocks():
        assert param_of(gr.Textbox()) == Param(TEXT)
        assert param_of(gr.Checkbox()) == Param(FLAG)
        assert param_of(gr.Slider(0, 11, step=1)) == Param(NUMBER, 0, 11, integer=True)
        assert param_of(gr.Slider(0.0, 2.0, step=0.05)) == Param(NUMBER, 0.0, 2.0)
        assert param_of(gr.Number(precision=0, minimum=0)) == Param(NUMBER, 0, None, True)
        assert param_of(gr.Dropdown(["a", "b"], allow_custom_value=True)) == Param(
            CHOICE, choices=("a", "b"), any_choice=True)
        assert param_of(gr.Radio([("Mean", "mean"), ("0", "0")])).choices == ("mean", "0")


# ---- the app itself -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tiny_runtime):
    from lmdemo.ui.app import build_demo

    return build_demo(tiny_runtime)


def restore_fn(demo):
    """The load event that reads a link (the one with a gr.Request and the most outputs)."""
    fns = [fn for fn in demo.fns.values() if fn.name == "restore"]
    assert len(fns) == 1
    return fns[0]


def shown_notices(out: dict) -> list:
    """What a restore writes into the link notice, leaving out a no-change (gr.skip())."""
    import gradio as gr

    return [v for c, v in out.items()
            if getattr(c, "elem_id", "") == "link-notice" and v != gr.skip()]


class FakeRequest:
    def __init__(self, query: dict[str, str], language: str = "en"):
        self.query_params = query
        self.headers = {"accept-language": language}


def _by_id(demo, elem_id):
    return next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == elem_id)


def test_every_tab_has_a_copy_link_button_and_box(demo):
    names = [task.name for task in all_tasks()] + [
        "tokenize", "next_token", "generation", "attention", "neighbors", "bias_probe",
        "compare"]
    for name in names:
        assert isinstance(_by_id(demo, f"copy-link-{name}"), gr.Button)
        assert isinstance(_by_id(demo, f"link-box-{name}"), gr.Textbox)


def test_the_page_script_can_name_every_view_from_its_tab(demo):
    """assets/lmdemo.js writes the address bar from the selected tabs: it gets each view's tab,
    outer tab and Run button, each outer tab's first view, and the aliases (once, on load)."""
    import json

    from lmdemo.ui.links import RUN_JS

    given = [fn.js for fn in demo.fns.values() if fn.js and "runFromLink" in fn.js]
    assert len(given) == 1
    views = json.loads(given[0][len(RUN_JS.split("%s")[0]):-len(RUN_JS.split("%s")[1])])
    names = {view["name"] for view in views["tabs"].values()}
    assert {"generate", "attention", "bias_probe", "learn"} <= names
    assert views["tabs"]["inspect-attention"] == {"name": "attention", "parent": "inspect"}
    assert views["parents"] == {"inspect": "tokenize"}
    assert views["aliases"] == {"inspect": "tokenize"}
    assert views["run"]["attention"] and set(views["run"]) <= names


def test_page_switches_have_stable_ids(demo):
    assert isinstance(_by_id(demo, "present-toggle"), gr.Checkbox)
    assert isinstance(_by_id(demo, "lang-switch"), gr.Radio)
    assert isinstance(_by_id(demo, "link-notice"), gr.Markdown)


def test_restore_fills_a_task_and_selects_its_tab(demo):
    fn = restore_fn(demo).fn
    out = fn(FakeRequest({"tab": "answer", "context": "Paris is in France.",
                          "question": "Where is Paris?", "seed": "7"}))
    values = {getattr(c, "label", None): v for c, v in out.items()}
    assert "Paris is in France." in out.values()
    assert "Where is Paris?" in out.values()
    assert 7 in out.values()
    tabs = [v for c, v in out.items() if isinstance(c, gr.Tabs)]
    assert any(getattr(t, "selected", None) == "answer" for t in tabs), values


def test_restore_opens_an_inner_view_with_the_models_layers(demo, tiny_runtime):
    from lmdemo.inspection.attention import shape

    n_layers, _ = shape(tiny_runtime)
    fn = restore_fn(demo).fn
    out = fn(FakeRequest({"tab": "attention", "text": "The cat sat",
                          "layer": str(n_layers - 1)}))
    selected = sorted(getattr(v, "selected", "") for c, v in out.items()
                      if isinstance(c, gr.Tabs))
    assert selected == ["inspect", "inspect-attention"]
    layer = next(v for c, v in out.items() if isinstance(c, gr.Slider))
    assert layer == n_layers - 1 or layer["value"] == n_layers - 1
    bad = fn(FakeRequest({"tab": "attention", "layer": str(n_layers)}, "zh-CN"))
    notice = next(v for c, v in bad.items() if getattr(c, "elem_id", "") == "link-notice")
    assert "整数" in notice["value"] and f"(0–{n_layers - 1})" in notice["value"]


def test_restore_names_an_unknown_tab_in_the_visitors_language(demo):
    out = restore_fn(demo).fn(FakeRequest({"tab": "nope"}))
    notice = next(v for c, v in out.items() if getattr(c, "elem_id", "") == "link-notice")
    assert "nope" in notice["value"] and "generate" in notice["value"]
    assert notice["visible"] is True


def test_every_task_parameter_can_be_set_by_a_link(demo):
    fn = restore_fn(demo).fn
    for task in all_tasks():
        out = fn(FakeRequest({"tab": task.name, "template": "{text}"}))
        notices = shown_notices(out)
        assert not notices, (task.name, notices)
        assert "template" in parameter_names(task)


def test_the_page_head_carries_the_link_script_and_presentation_styles():
    from lmdemo.ui.app import launch_kwargs

    kwargs = launch_kwargs()
    assert "window.lmdemo" in kwargs["head"] and "history.replaceState" in kwargs["head"]
    css = kwargs["css"]
    assert "body.lm-present" in css and "@media (max-width: 640px)" in css
    assert "font-size: 22px" in css  # presentation body text >= 20 px


def test_tabs_wrap_so_every_tab_is_reachable_on_a_phone(demo):
    tabs = [b for b in demo.blocks.values() if isinstance(b, gr.Tabs)]
    assert len(tabs) >= 2 and all(t.overflow_behavior == "wrap" for t in tabs)


@pytest.mark.parametrize(("query", "expected"), [
    (b"lang=zh-CN&tab=learn", "zh-CN"), (b"tab=learn", None), (b"lang=fr", None),
    (b"lang=en", "en")])
def test_a_link_asks_for_a_language(query, expected):
    from lmdemo.ui.language import asked_language

    assert asked_language(query, ("en", "zh-CN")) == expected


def test_the_page_gets_the_language_before_gradio_starts():
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from lmdemo.ui.language import LanguageMiddleware

    page = "<html><head><script src='gradio.js'></script></head><body></body></html>"
    app = Starlette(routes=[Route("/", lambda r: HTMLResponse(page)),
                            Route("/config", lambda r: JSONResponse({"a": 1}))],
                    middleware=[Middleware(LanguageMiddleware)])
    client = TestClient(app)
    html = client.get("/?lang=zh-CN").text
    assert html.index('"zh-CN"') < html.index("gradio.js") and "navigator" not in page
    assert "Navigator.prototype" in html
    assert client.get("/").text == page
    assert client.get("/?lang=xx").text == page
    assert client.get("/config?lang=zh-CN").json() == {"a": 1}


def test_a_plain_visit_changes_nothing_and_still_names_an_output(demo):
    """Gradio reads an empty dict as a single value ("needed: 69, returned: 1"); a page
    opened without ?tab= must give it a dict of updates that it can apply."""
    import gradio as gr

    out = restore_fn(demo).fn(FakeRequest({}))
    assert isinstance(out, dict) and out
    assert all(isinstance(value, type(gr.skip())) for value in out.values())
