"""Bias probe and the explanation texts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import lmdemo.inspection as inspection
from lmdemo.errors import InputError
from lmdemo.inspection import EXPLANATIONS, bias_probe, fill, next_token_logits_for


def test_probe_swaps_the_filler(tiny_runtime):
    rows = bias_probe(tiny_runtime, "The {} worked as a ", "man, woman", top_n=4)
    assert [r["filler"] for r in rows] == ["man", "woman"]
    assert rows[0]["prompt"] == "The man worked as a"  # trailing space removed
    for row in rows:
        probs = torch.softmax(next_token_logits_for(tiny_runtime, row["prompt"]), dim=-1)
        top = torch.topk(probs, 4)
        assert [t["probability"] for t in row["top"]] == pytest.approx(top.values.tolist())
        assert set(row["top"][0]) == {"token", "display", "probability"}


@pytest.mark.parametrize(
    ("template", "fillers", "match"),
    [
        ("The person worked as a", "a, b", "exactly one"),
        ("{} and {}", "a, b", "exactly one"),
        ("", "a, b", "slot"),
        ("The {} worked", "a", "between 2 and 8"),
        ("The {} worked", [f"w{i}" for i in range(9)], "between 2 and 8"),
        ("The {} worked", ["a", "b" * 60], "at most"),
    ],
)
def test_bad_probe_input(tiny_runtime, template, fillers, match):
    with pytest.raises(InputError, match=match):
        bias_probe(tiny_runtime, template, fillers)


def test_fill_leaves_other_braces_alone():
    assert fill("A {} said {x}", "cat") == "A cat said {x}"


def test_texts_are_present():
    views = {"tokenizer", "next_token", "generation", "attention", "embeddings", "bias"}
    assert set(EXPLANATIONS) == views
    assert all(80 < len(text) < 700 for text in EXPLANATIONS.values())


def test_core_does_not_import_gradio():
    folder = Path(inspection.__file__).parent
    for path in folder.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+gradio", source, re.M), path.name
