"""One string file per language: both hold the same keys with the same placeholders (issue 19)."""

from __future__ import annotations

import json
import string

import pytest

from lmdemo.locales import FOLDER, LANGUAGES, english, table


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys():
    keys = set(table("en"))
    assert len(keys) > 200
    for language in LANGUAGES[1:]:
        assert set(table(language)) == keys, language


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_string_keeps_its_placeholders(language):
    english_table, other = table("en"), table(language)
    differ = [key for key in english_table if _fields(english_table[key]) != _fields(other[key])]
    assert differ == []


def test_the_files_are_the_only_source(tmp_path):
    for language in LANGUAGES:
        data = json.loads((FOLDER / f"{language}.json").read_text(encoding="utf-8"))
        assert data == table(language)
        assert all(isinstance(value, str) and value.strip() for value in data.values())


def test_english_fills_placeholders():
    key = next(k for k, v in table("en").items() if _fields(v) == {"name"})
    assert "lmdemo-test-name" in english(key, name="lmdemo-test-name")
    with pytest.raises(KeyError, match="languages: en, zh-CN"):
        table("fr")


def test_an_error_raised_by_key_reads_its_english_from_the_file():
    from lmdemo.errors import InputError

    key = next(k for k, v in table("en").items() if k.startswith("err_") and _fields(v) == set())
    error = InputError(key=key)
    assert str(error) == table("en")[key] and error.key == key
    assert str(InputError("Own words.", key=key)) == "Own words."  # a message given wins
