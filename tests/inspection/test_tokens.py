"""Tokenizer view: exact round trips, readable pieces, GPT-2's real BPE."""

from __future__ import annotations

import pytest

from lmdemo.errors import InputError
from lmdemo.inspection import (
    context_usage,
    gpt2_bpe_tokenizer,
    token_text,
    tokenize,
    tokenize_with,
    visible,
)
from lmdemo.inspection.tokens import MAX_CHARS

TEXTS = [
    "Hello world",
    "你好，世界",
    "I ❤️ 🍕",
    "  a\n\n b  ",
    "\ttab\r\nline",
    "naïve café",
    "𓀀 x",
    "",
    " ",
]


@pytest.fixture(scope="module")
def bpe(tmp_path_factory: pytest.TempPathFactory):
    return gpt2_bpe_tokenizer(tmp_path_factory.mktemp("bpe"))


def check_tiling(tokens: list[dict], text: str) -> None:
    assert "".join(t["token"] for t in tokens) == text
    prev = 0
    for t in tokens:
        assert t["start"] == prev and t["end"] >= t["start"]
        assert text[t["start"] : t["end"]] == t["token"]
        assert "\ufffd" not in t["display"]
        prev = t["end"]
    assert prev == len(text)


@pytest.mark.parametrize("text", TEXTS)
def test_round_trip_live_model(tiny_runtime, text):
    tokens = tokenize(tiny_runtime, text)
    check_tiling(tokens, text)
    ids = tiny_runtime.tokenizer(text, add_special_tokens=False)["input_ids"]
    assert [t["id"] for t in tokens] == list(ids)


@pytest.mark.parametrize("text", TEXTS)
def test_round_trip_gpt2_bpe(bpe, text):
    check_tiling(tokenize_with(bpe, text), text)


def test_hello_world_ids_under_gpt2_bpe(bpe):
    assert [t["id"] for t in tokenize_with(bpe, "Hello world")] == [15496, 995]


def test_gpt2_bpe_is_cached(tmp_path):
    assert gpt2_bpe_tokenizer(tmp_path) is gpt2_bpe_tokenizer(tmp_path)
    assert (tmp_path / "lmdemo-gpt2-bpe" / "vocab.json").exists()


def test_split_characters_read_as_parts(bpe):
    tokens = tokenize_with(bpe, "你好")
    assert [t["display"] for t in tokens] == ["你 (1/2)", "你 (2/2)", "好 (1/2)", "好 (2/2)"]
    assert [t["token"] for t in tokens] == ["", "你", "", "好"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [(" world", "␣world"), ("a\nb", "a↵b"), ("\t", "⇥"), ("\ufe0f", "<U+FE0F>"), ("é", "é")],
)
def test_visible(text, shown):
    assert visible(text) == shown


def test_token_text_shows_stray_bytes_as_hex(bpe):
    assert token_text(bpe, 19526) == ("\ufffd", "<0xE4><0xBD>")  # first bytes of 你
    assert token_text(bpe, 995) == (" world", "␣world")


class NoOffsets:
    """A tokenizer without offset mapping, as slow (Python) tokenizers are."""

    def __init__(self, tokenizer):
        self._tokenizer = tokenizer

    def __call__(self, text, **kwargs):
        if kwargs.get("return_offsets_mapping"):
            raise NotImplementedError
        return self._tokenizer(text, **kwargs)

    def decode(self, *args, **kwargs):
        return self._tokenizer.decode(*args, **kwargs)


@pytest.mark.parametrize("text", ["Hello world", "你好，世界", "I ❤️ 🍕"])
def test_round_trip_without_offsets(bpe, text):
    check_tiling(tokenize_with(NoOffsets(bpe), text), text)


def test_too_long_text_is_refused(bpe):
    with pytest.raises(InputError, match="at most"):
        tokenize_with(bpe, "a" * (MAX_CHARS + 1))


def test_context_usage(tiny_runtime):
    assert context_usage(tiny_runtime, 5) == (5, tiny_runtime.context_window)
