"""The helpers that name and describe the public surface (lmdemo/ui/endpoints.py)."""

from __future__ import annotations

import pytest

from lmdemo.params import STOP_HELP, TEMPERATURE
from lmdemo.ui.endpoints import api_doc, control_help, describe, json_text


@pytest.mark.parametrize(("default", "ends"), [
    (0, "Default: 0."), ("", 'Default: "".'), (False, "Default: false."),
    ("mean", 'Default: "mean".'), (1.0, "Default: 1.0."),
])
def test_a_default_is_stated_in_jsons_spelling_even_when_falsy(default, ends):
    assert describe("What it is.", default) == f"What it is. {ends}"


def test_a_parameter_without_default_is_required():
    assert describe("What it is.") == "What it is. Required."


@pytest.mark.parametrize(("name", "kind"), [("top_k", "A whole number from 0 to 500."),
                                            ("seed", "A whole number from 0 to 2147483647."),
                                            ("temperature", "A number from 0 to 2.")])
def test_a_control_says_what_it_does_and_its_range(name, kind):
    assert control_help(name).endswith(kind)


def test_control_help_comes_from_lmdemo_params():
    assert control_help("temperature").startswith(TEMPERATURE.help)
    assert control_help("stop") == STOP_HELP


def test_gradio_reads_one_line_per_parameter():
    doc = api_doc("Does a thing.", {"text": "The text. Required."}, "Text.")
    assert "Args:\n    text: The text. Required.\n" in doc
    with pytest.raises(ValueError, match="spans lines"):
        api_doc("Does a thing.", {"text": "The\ntext."}, "Text.")


def test_structured_results_become_json_and_text_and_files_stay():
    assert json_text([{"token": "hi", "id": 1}]) == '[{"token": "hi", "id": 1}]'
    assert json_text({"word": "你好"}) == '{"word": "你好"}'
    assert json_text("already text") == "already text"
    file = {"path": "/tmp/x.png", "meta": {"_type": "gradio.FileData"}}
    assert json_text(file) is file
