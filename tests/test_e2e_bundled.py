"""End to end with the real bundled Gemma 3 270M: default start offline, every endpoint."""

import pytest

from lmdemo.config import AppConfig, default_cache_dir
from tests.ui_server import running_app

pytestmark = pytest.mark.slow

CONTEXT = ("The Amazon River flows through Brazil, Peru and Colombia before reaching the "
           "Atlantic Ocean. The first European to travel its length was Francisco de Orellana, "
           "in 1542.")
ARTICLE = ("The town of Millbrook opened its first public library on Saturday. The building, "
           "a former post office, was renovated at a cost of 2.4 million dollars. Librarian "
           "Maria Lopez said more than 600 people signed up for library cards on the first "
           "day. The library will be open six days a week.")


@pytest.fixture(scope="module")
def app():
    # No --model: gpt2 is not cached and the hub is offline, so the app must fall back.
    with running_app(AppConfig(cache_dir=default_cache_dir())) as (client, runtime):
        yield client, runtime


def test_offline_default_falls_back_to_bundled_and_says_why(app):
    _, runtime = app
    assert runtime.loaded.name == "gemma-3-270m"
    assert "gpt2 is not in the local cache" in runtime.loaded.reason.text


def test_answer(app):
    client, _ = app
    answer = client.predict(CONTEXT, "Which ocean does the Amazon reach?", api_name="/answer")
    assert "Atlantic" in answer
    assert "\n" not in answer and len(answer) < 80


def test_translate_french_and_chinese(app):
    client, _ = app
    french = client.predict("Thank you very much.", "French", api_name="/translate")
    assert "merci" in french.lower()
    chinese = client.predict("Thank you very much.", "Chinese", api_name="/translate")
    assert "谢" in chinese


@pytest.mark.parametrize(
    ("text", "label"),
    [("A warm, funny and beautifully acted film.", "positive"),
     ("The plot is a mess and the jokes fall flat.", "negative")],
)
def test_sentiment(app, text, label):
    client, _ = app
    assert client.predict(text, api_name="/sentiment")["label"] == label


def test_summarize_gives_whole_sentences(app):
    client, _ = app
    summary = client.predict(ARTICLE, api_name="/summarize")
    assert summary and summary[-1] in ".!?\"'”"
    assert len(summary) < len(ARTICLE)


def test_generate_is_reproducible(app):
    client, _ = app
    kwargs = {"temperature": 0.9, "seed": 123, "max_new_tokens": 20, "api_name": "/generate"}
    first = client.predict("The best way to learn a new language is", **kwargs)
    assert len(first.split()) >= 5
    assert client.predict("The best way to learn a new language is", **kwargs) == first
