"""The Extract task: parsing the model's lines, grounding them in the source, the JSON answer,
and the tab, API endpoint and link built from it (tiny GPT-2; one slow test on the bundled
model)."""

from __future__ import annotations

import asyncio
import json

import gradio as gr
import pytest

from lmdemo.errors import InputError
from lmdemo.eval.extract import DATA  # noqa: E402  the passages the eval scores
from lmdemo.params import make_params
from lmdemo.tasks import TaskService, get_task
from lmdemo.tasks.catalog.extract import EXAMPLES, TEXT_EN, ExtractRun, as_text
from lmdemo.tasks.extraction import (
    TYPES,
    Entity,
    Parsed,
    first_sentence,
    ground,
    locate,
    parse_lines,
    pattern_entities,
)

SOURCE = ("Marie  Curie was born in Warsaw in 1867.\nShe won the Nobel Prize in 1903, with "
          "Pierre Curie, and wrote the book Radioactivity.")


# ---- parsing --------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "entities"), [
    ("person: Marie Curie\nplace: Warsaw", [("Marie Curie", "person"), ("Warsaw", "place")]),
    ("- Organization: Acme Ltd\n* location: Rome", [("Acme Ltd", "organisation"),
                                                    ("Rome", "place")]),
    ("Person：李华\nyear: 2023", [("李华", "person"), ("2023", "date")]),
    ("quantity: 5 kg\nproduct: Velo Glide\nbook: Emma", [("5 kg", "number"),
                                                        ("Velo Glide", "title"),
                                                        ("Emma", "title")]),
    ("colour: red\nperson:\njust some words", []),
])
def test_parse_lines_reads_types_and_their_aliases(raw, entities):
    parsed = parse_lines(raw)
    assert [(e.text, e.type) for e in parsed.entities] == entities
    assert all(e.type in TYPES for e in parsed.entities)


def test_parse_lines_reads_keywords_and_the_first_summary():
    parsed = parse_lines("person: Ann\nKeywords: strike, pay rise; talks,\nSummary: One.\n"
                         "Summary: Two.\nnonsense line")
    assert parsed.keywords == ("strike", "pay rise", "talks")
    assert parsed.summary_line == "One."
    assert parsed.unknown == ("nonsense line",)


# ---- grounding ------------------------------------------------------------------------------

@pytest.mark.parametrize(("asked", "found"), [
    ("Warsaw", "Warsaw"),
    ("marie curie", "Marie Curie"),          # case fixed to the source's spelling
    ("Marie Curie", "Marie Curie"),          # the source's double space squeezed
    ("Nobel Prize in\n1903", "Nobel Prize in 1903"),
    ("Radioactivity.", "Radioactivity"),     # edge punctuation
    ("the Nobel Prize", "the Nobel Prize"),  # as the source has it
    ("The Warsaw", "Warsaw"),
    ("Paris", None),
    ("Curies", None),                        # no match inside a longer word
    ("War", None),
    ("", None),
])
def test_locate_maps_back_to_the_source_or_refuses(asked, found):
    assert locate(SOURCE, asked) == found


def test_ground_drops_what_the_source_does_not_say_and_keeps_one_per_text():
    parsed = Parsed(entities=(Entity("Marie Curie", "person"), Entity("Paris", "place"),
                              Entity("MARIE CURIE", "person"), Entity("1867", "number"),
                              Entity("Albert Einstein", "person")),
                    keywords=("Nobel Prize", "physics", "nobel prize"), summary_line="A. B.")
    out = ground(SOURCE, parsed, patterns=True)
    assert ("Marie Curie", "person") in [(e.text, e.type) for e in out.entities]
    assert out.dropped == ("Paris", "Albert Einstein", "physics")
    assert [e.text for e in out.entities].count("Marie Curie") == 1
    assert Entity("1867", "date") in out.entities  # the year pattern retypes the model's number
    assert Entity("1903", "date") in out.entities and "1903" in out.from_patterns
    assert out.keywords == ("Nobel Prize",)
    assert out.summary_line == "A."
    squeezed = " ".join(SOURCE.split())
    assert all(e.text in squeezed for e in out.entities)


def test_ground_without_patterns_keeps_only_the_models_entities():
    out = ground(SOURCE, Parsed(entities=(Entity("Warsaw", "place"),)), patterns=False)
    assert out.entities == (Entity("Warsaw", "place"),) and out.from_patterns == ()


@pytest.mark.parametrize(("text", "entities"), [
    ("It rose 2 per cent to 2.4 million dollars on 3 May 2021.",
     [("2 per cent", "number"), ("2.4 million dollars", "number"), ("3 May 2021", "date")]),
    ("The 1500 metres final was on Friday in 1999.",
     [("1500 metres", "number"), ("Friday", "date"), ("1999", "date")]),
    ("It weighs 14 kg, costs $899 and sold 40,000 copies.",
     [("14 kg", "number"), ("$899", "number"), ("40,000", "number")]),
    ("2019年，张伟的公司有500人。", [("2019年", "date"), ("500人", "number")]),
    ("No figures here at all.", []),
])
def test_pattern_pass_finds_dates_and_quantities(text, entities):
    assert [(e.text, e.type) for e in pattern_entities(text)] == entities


def test_highlights_cut_the_source_into_typed_pieces():
    out = ground(SOURCE, Parsed(entities=(Entity("Marie Curie", "person"),
                                          Entity("Curie", "person"))), patterns=False)
    pieces = out.highlights()
    assert "".join(text for text, _ in pieces) == SOURCE
    marked = [(text, kind) for text, kind in pieces if kind]
    # the longer name wins where they overlap; "Curie" alone is marked in "Pierre Curie"
    assert marked == [("Marie  Curie", "person"), ("Curie", "person")]


def test_first_sentence():
    assert first_sentence("One two.  Three") == "One two."
    assert first_sentence("没有句号") == "没有句号"
    assert first_sentence("第一句。第二句。") == "第一句。"


# ---- the task -------------------------------------------------------------------------------

class ScriptedRequest:
    """Stands in for an engine request whose model wrote ``text``."""

    def __init__(self, text: str):
        self.text = text

    def result(self):
        return self


def test_a_run_returns_plain_json_with_only_grounded_entities():
    raw = ("person: Marie Curie\nplace: Paris\ntitle: radioactivity\n"
           "Keywords: Nobel Prize, chemistry\nSummary: Curie won a Nobel Prize. Then more")
    run = ExtractRun("prompt", (), ScriptedRequest(raw), SOURCE, patterns=False)
    answer = run.answer()
    assert answer == {"entities": [{"text": "Marie Curie", "type": "person"},
                                   {"text": "Radioactivity", "type": "title"}],
                      "keywords": ["Nobel Prize"], "summary_line": "Curie won a Nobel Prize."}
    assert json.loads(list(run.stream())[-1]) == answer
    assert run.postprocess(raw) == as_text(run.result)
    assert run.result.dropped == ("Paris", "chemistry")


def test_the_prompt_shows_every_type_and_ends_with_the_text(tiny_runtime):
    task = get_task("extract")
    assert {kind for _, entities, _, _ in EXAMPLES for kind, _ in entities} == set(TYPES)
    prompt, _ = TaskService(tiny_runtime).preview("extract", "Ann met Bob.", max_new_tokens=8)
    assert prompt.endswith("Text: Ann met Bob.\n")
    assert prompt.count("Summary:") == len(EXAMPLES)
    stops = task.defaults["stop"]
    assert "\n\n" in stops  # an example ends with a blank line: so does the answer


def test_the_examples_are_not_from_the_labelled_set():
    passages = [json.loads(line)["text"] for line in DATA.read_text("utf-8").splitlines()]
    for text, entities, _, _ in EXAMPLES:
        assert all(text[:40] not in p for p in passages)
        assert all(name in text for _, name in entities)  # the examples are grounded too


def test_service_answer_on_the_tiny_model_is_grounded_json(tiny_runtime):
    params = make_params(**{**get_task("extract").defaults, "max_new_tokens": 12})
    run = TaskService(tiny_runtime).run("extract", TEXT_EN, params=params)
    answer = run.answer()
    assert set(answer) == {"entities", "keywords", "summary_line"}
    assert isinstance(answer["summary_line"], str) and isinstance(answer["keywords"], list)
    squeezed = " ".join(TEXT_EN.split())
    assert answer["entities"], "the pattern pass alone finds the years"
    for entity in answer["entities"]:
        assert set(entity) == {"text", "type"} and entity["type"] in TYPES
        assert entity["text"] in squeezed
    assert {"text": "1867", "type": "date"} in answer["entities"]


def test_an_empty_text_is_an_input_error(tiny_runtime):
    with pytest.raises(InputError, match="text is empty"):
        TaskService(tiny_runtime).run("extract", "   ")


# ---- the tab, the API and the link ----------------------------------------------------------

def test_the_api_endpoint_returns_the_json_text(client):
    result = client.predict("Ada Lovelace met Charles Babbage in London in 1833.",
                            api_name="/extract", max_new_tokens=8)
    answer = json.loads(result)
    assert set(answer) == {"entities", "keywords", "summary_line"}
    assert {"text": "1833", "type": "date"} in answer["entities"]


def test_the_endpoint_names_its_parameters(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    names = [p["parameter_name"] for p in api["/extract"]["parameters"]]
    assert names[:3] == ["text", "template", "patterns"] and "max_new_tokens" in names


@pytest.fixture(scope="module")
def demo(tiny_runtime):
    from lmdemo.ui.app import build_demo

    return build_demo(tiny_runtime)


def test_a_deep_link_opens_the_tab_fills_the_text_and_runs(demo):
    from lmdemo.ui.links import link

    fn = next(fn for fn in demo.fns.values() if fn.name == "restore").fn

    class Request:
        query_params = {"tab": "extract", "text": "Ann lives in Rome.", "run": "1",
                        "patterns": "0"}
        headers = {"accept-language": "zh-CN"}

    out = fn(Request())
    assert "Ann lives in Rome." in out.values() and False in out.values()
    assert any(getattr(v, "selected", None) == "extract" for c, v in out.items()
               if isinstance(c, gr.Tabs))
    assert not [v for c, v in out.items() if getattr(c, "elem_id", "") == "link-notice"
                and v != gr.skip()]
    assert link("extract", run=True, text="Ann") == "?tab=extract&text=Ann&run=1"


def test_run_fills_the_highlights_in_the_visitors_language(demo, tiny_runtime):
    from lmdemo.ui.tabs.task_extract import color_map, highlighted

    press = next(fn for fn in demo.fns.values() if fn.name == "press"
                 and any(isinstance(o, gr.HighlightedText) for o in fn.outputs))
    assert press.api_visibility == "private"
    marks = next(o for o in press.outputs if isinstance(o, gr.HighlightedText))
    # the callback itself, with the tab's defaults, as the Run button calls it
    values = [getattr(c, "value", None) for c in press.inputs]
    values[0] = "Since 1999 Ann lives in Rome."  # no name opens a sentence: none is dropped

    async def collect() -> list:
        return [update async for update in press.fn(*values)]

    updates = asyncio.run(collect())
    last = updates[-1]
    shown = last[marks]["value"]
    assert "".join(text for text, _ in shown) == "Since 1999 Ann lives in Rome."
    assert ("1999", "date") in shown
    # the tiny model lists nothing the text has, so both names are proposed and typed
    note = next(v for o, v in last.items() if isinstance(o, gr.Markdown))
    assert "Names proposed from the text" in note and "Ann → " in note and "Rome → " in note
    assert highlighted([("1999", "date"), (" x", None)], "zh-CN") == [("1999", "日期"),
                                                                      (" x", None)]
    assert set(color_map("zh-CN")) == {"人物", "机构", "地点", "日期", "数量", "作品/产品"}


# ---- the bundled model ----------------------------------------------------------------------

@pytest.mark.slow
def test_bundled_model_extracts_grounded_people_and_places(bundled_loaded):
    from lmdemo.config import AppConfig, default_cache_dir
    from lmdemo.runtime import Runtime

    runtime = Runtime(AppConfig(model="gemma-3-270m", cache_dir=default_cache_dir()))
    try:
        answer = TaskService(runtime).run("extract", TEXT_EN).answer()
    finally:
        runtime.close()
    found = {(e["text"], e["type"]) for e in answer["entities"]}
    assert {("Marie Curie", "person"), ("Warsaw", "place")} <= found
    squeezed = " ".join(TEXT_EN.split())
    assert all(e["text"] in squeezed for e in answer["entities"])
