"""The public API through gradio_client, against the real server with the tiny model; the
string table and the model banner in both languages."""

import dataclasses
import string

import pytest

from lmdemo.models import BUNDLED_MODEL
from lmdemo.models.loader import Reason
from lmdemo.ui.app import local_banner
from lmdemo.ui.i18n import pick_language, say
from lmdemo.ui.plain import markdown_text
from lmdemo.ui.strings import EN, ZH

ENDPOINTS = ("/generate", "/summarize", "/answer", "/sentiment", "/translate")


def test_every_string_has_both_languages():
    assert set(EN) == set(ZH)
    assert all(EN[k].strip() and ZH[k].strip() for k in EN)


def test_endpoints_and_parameter_order(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(ENDPOINTS) <= set(api)
    first = {name: [p["parameter_name"] for p in api[name]["parameters"]] for name in ENDPOINTS}
    assert first["/generate"][:2] == ["prompt", "template"]
    assert first["/summarize"][0] == "text"
    assert first["/answer"][:2] == ["context", "question"]
    assert first["/translate"][:2] == ["text", "target_language"]
    assert first["/sentiment"][0] == "text"
    for name in ENDPOINTS:
        optional = [p["parameter_has_default"] for p in api[name]["parameters"][2:]]
        assert all(optional), name


@pytest.mark.parametrize(
    ("args", "api_name"),
    [
        (("Hello world",), "/generate"),
        (("It rained all day. The match was cancelled.",), "/summarize"),
        (("Paris is the capital of France.", "What is the capital of France?"), "/answer"),
        (("Good morning.", "German"), "/translate"),
    ],
)
def test_text_endpoints_answer_with_text(client, args, api_name):
    result = client.predict(*args, api_name=api_name)
    assert isinstance(result, str)


def test_same_seed_same_text_through_the_api(client):
    kwargs = {"temperature": 1.0, "seed": 5, "max_new_tokens": 12, "api_name": "/generate"}
    assert client.predict("Once", **kwargs) == client.predict("Once", **kwargs)


def test_sentiment_returns_a_label_value(client):
    result = client.predict("A lovely film.", api_name="/sentiment")
    confidences = {c["label"]: c["confidence"] for c in result["confidences"]}
    assert set(confidences) == {"positive", "negative"}
    assert sum(confidences.values()) == pytest.approx(1.0, rel=1e-4)
    assert result["label"] in confidences


@pytest.mark.parametrize(
    ("args", "api_name", "message"),
    [
        (("   ",), "/generate", "prompt is empty"),
        (("x" * 20_001,), "/summarize", "limit is 20,000"),
        (("Some context.", ""), "/answer", "question is empty"),
        (("Hello", "Klingon"), "/translate", "Unknown target language 'Klingon'"),
        (("",), "/sentiment", "text is empty"),
    ],
)
def test_bad_input_gets_a_message_not_a_traceback(client, args, api_name, message):
    with pytest.raises(Exception, match=message) as info:
        client.predict(*args, api_name=api_name)
    assert "Traceback" not in str(info.value)


def test_bad_decoding_value_names_the_field(client):
    with pytest.raises(Exception, match="Top-p must be between 0.01 and 1"):
        client.predict("Hi", api_name="/generate", top_p=0)


def test_cancelling_a_stream_frees_its_engine_slot(app, monkeypatch):
    """What the Stop button and a closed tab do: the request leaves the engine at once."""
    import time

    from lmdemo.engine.batch import KVBatch

    decode = KVBatch.decode

    def slow_decode(self, tokens, *rest):  # 256 tokens now take over 12 s to generate
        time.sleep(0.05)
        return decode(self, tokens, *rest)

    monkeypatch.setattr(KVBatch, "decode", slow_decode)
    client, runtime = app
    job = client.submit("Once", api_name="/generate", max_new_tokens=256, stop="",
                        temperature=1.0)
    deadline = time.time() + 30
    while runtime.backend.stats()["running"] == 0 and time.time() < deadline:
        time.sleep(0.05)
    assert runtime.backend.stats()["running"] == 1
    cancelled = time.time()
    job.cancel()
    while runtime.backend.stats()["running"] and time.time() < deadline:
        time.sleep(0.05)
    assert runtime.backend.stats() == {"waiting": 0, "paused": 0, "running": 0,
                                       "batched": 1}
    assert time.time() - cancelled < 3.0


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_server_filled_strings_have_the_same_fields_in_both_languages():
    keys = ["banner", "banner_remote", "precision_fp16",
            *(k for k in EN if k.startswith("reason_"))]
    assert len(keys) == 10
    assert all(_fields(EN[k]) == _fields(ZH[k]) for k in keys)


@pytest.mark.parametrize(("header", "language"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("en-US,en;q=0.9", "en"), ("fr-FR,zh;q=0.5", "zh-CN"),
    ("en;q=0.2, zh-TW;q=0.8", "zh-CN"), ("de-DE", "en"), ("", "en"), (None, "en"),
    ("zh;q=abc,en", "en"),
])
def test_banner_language_follows_accept_language(header, language):
    assert pick_language(header) == language


@pytest.mark.parametrize("key", ["cached", "downloaded", "offline", "explicit", "fallback",
                                 "offered"])
def test_banner_says_why_in_both_languages(tiny_loaded, key):
    loaded = dataclasses.replace(tiny_loaded, reason=Reason(key, "English text", "timed out"))
    english, chinese = local_banner(loaded, "en"), local_banner(loaded, "zh-CN")
    name = markdown_text(tiny_loaded.name)  # "tiny\-gpt2": Markdown shows it as written
    for banner in (english, chinese):
        assert name in banner and "English text" not in banner
    assert "parameters" in english and "参数" in chinese and "parameters" not in chinese
    assert english.split("\n")[1].strip() == say(f"reason_{key}", "en", name=name,
                                                 detail="timed out", bundled=BUNDLED_MODEL)
    if key in ("offline", "fallback"):
        assert "timed out" in english and "timed out" in chinese
