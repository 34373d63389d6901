"""The Learn tab: its links open real views with valid values, and the attention paragraph
names heads measured on the live model."""

import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from lmdemo.ui.strings import EN, ZH
from lmdemo.ui.tabs.learn import SINK_TEXT, Head, facts_text, notable_heads

LINK = re.compile(r"\]\((\?[^)]*)\)")


def test_notable_heads_finds_the_sink_and_the_previous_token_head():
    n_tokens = 6
    weights = np.zeros((2, 3, n_tokens, n_tokens), dtype=np.float32)
    weights[:, :, :, 0] = 1.0  # every head a weak sink by default...
    weights[:, :, 1:, 0] = 0.4
    weights[:, :, 1:, 1] = 0.6
    weights[1, 2, 1:, 0] = 0.9  # ...layer 1, head 2 the strongest
    weights[1, 2, 1:, 1] = 0.1
    for i in range(1, n_tokens):  # layer 0, head 1 looks at the previous token
        weights[0, 1, i] = 0.0
        weights[0, 1, i, i - 1] = 1.0
    sink, previous = notable_heads(weights)
    assert (sink.layer, sink.head) == (1, 2) and sink.share == pytest.approx(0.9)
    assert (previous.layer, previous.head) == (0, 1) and previous.share == pytest.approx(1.0)


def test_notable_heads_needs_three_tokens():
    with pytest.raises(ValueError):
        notable_heads(np.ones((1, 1, 2, 2)))


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_measured_paragraph_links_to_both_heads(language):
    text = facts_text((Head(3, 5, 0.62), Head(1, 0, 0.48)), language)
    assert "62%" in text and "48%" in text
    links = [dict(parse_qsl(urlsplit(url).query)) for url in LINK.findall(text)]
    assert [(q["layer"], q["head"]) for q in links] == [("3", "5"), ("1", "0")]
    assert all(q["tab"] == "attention" and q["text"] == SINK_TEXT and q["run"] == "1"
               for q in links)


def test_without_weights_the_paragraph_says_so():
    assert "weights" in facts_text(None, "en")


def learn_links() -> list[str]:
    return sorted({url for table in (EN, ZH) for key, text in table.items()
                   if key.startswith("learn_") for url in LINK.findall(text)})


@pytest.mark.parametrize("url", learn_links())
def test_every_learn_link_carries_its_example(url):
    from lmdemo.tasks import all_tasks
    from lmdemo.ui.links import PAGE_PARAMS

    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    example = {k: v for k, v in query.items() if k not in PAGE_PARAMS}
    assert example, f"{url} opens its view with nothing to run on"
    task = {task.name: task for task in all_tasks()}.get(query["tab"])
    needed = [f.name for f in (task.inputs if task else ()) if f.default is None]
    assert [name for name in needed if not example.get(name, "").strip()] == [], url


def test_the_learn_page_has_a_link_for_every_view():
    tabs = {dict(parse_qsl(urlsplit(url).query))["tab"] for url in learn_links()}
    assert {"next_token", "tokenize", "neighbors", "attention", "generation", "summarize",
            "answer", "translate", "bias_probe", "compare"} <= tabs


def test_the_models_paragraph_compares_a_base_and_an_instruct_model():
    for table in (EN, ZH):
        queries = [dict(parse_qsl(urlsplit(url).query)) for url in LINK.findall(
            table["learn_models"])]
        assert {q["models"] for q in queries} == {"gemma-3-270m,smollm2-135m-instruct"}
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in q["prompt"]) for q in queries)


@pytest.fixture(scope="module")
def demo(tiny_runtime):
    from lmdemo.ui.app import build_demo

    return build_demo(tiny_runtime)


@pytest.mark.parametrize("url", learn_links())
def test_every_learn_link_opens_its_view_without_a_notice(demo, url):
    from tests.ui.test_links import FakeRequest, restore_fn, shown_notices

    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    out = restore_fn(demo).fn(FakeRequest(query))
    notices = shown_notices(out)
    assert not notices, notices
    assert query.get("run") == "1"


def test_the_live_paragraph_measures_the_tiny_model(tiny_runtime):
    from lmdemo.inspection import attention_all
    from lmdemo.inspection.attention import shape

    n_layers, n_heads = shape(tiny_runtime)
    sink, previous = notable_heads(attention_all(tiny_runtime, SINK_TEXT)["weights"])
    assert 0 <= sink.layer < n_layers and 0 <= sink.head < n_heads
    assert 0 < sink.share <= 1 and 0 < previous.share <= 1


def readme_tour_links() -> list[str]:
    """The links of the README's classroom tour, as a teacher would click them."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    tour = readme.split("**A classroom tour.**", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"\]\(http://127\.0\.0\.1:7860/(\?[^)]*)\)", tour)


def test_the_readme_tour_covers_each_idea():
    tabs = [dict(parse_qsl(urlsplit(url).query))["tab"] for url in readme_tour_links()]
    assert tabs == ["next_token", "tokenize", "neighbors", "attention", "generation", "answer",
                    "bias_probe"]


@pytest.mark.parametrize("url", readme_tour_links())
def test_every_readme_tour_link_opens_its_view_without_a_notice(demo, url):
    test_every_learn_link_opens_its_view_without_a_notice(demo, url)
