"""``python -m lmdemo eval tune-extract``: the candidates are typed again under each rule,
passed as a value; the shipped constants stay as they are."""

from __future__ import annotations

import json

import pytest

from lmdemo.__main__ import main
from lmdemo.eval.extract import Passage
from lmdemo.eval.tune_extract import entities, scores
from lmdemo.tasks import candidates
from lmdemo.tasks.candidates import LABELS, TypingRule
from lmdemo.tasks.extraction import Entity

TEXT = "Laura Muir ran for Acme Club. Yesterday Laura Muir won."
GOLD = (Entity("Laura Muir", "person"), Entity("Acme Club", "organisation"))


def logprobs(**given: float) -> list[float]:
    return [given.get(label, -5.0) for label in LABELS]


RECORD = {"id": "a", "split": "dev", "app": {"entities": ["date: Yesterday"]},
          "candidates": [
              # organisation leads person by 0.3 nats: the shipped bias (0.5) makes it a person
              {"text": "Laura Muir", "logprobs": logprobs(organisation=1.0, person=0.7)},
              {"text": "Acme Club", "logprobs": logprobs(organisation=2.0)},
              # "Yesterday" was proposed too (the app's own entity for it is left out): a
              # place by 0.3 nats over "other", below the shipped bar, and a sentence start
              {"text": "Yesterday", "logprobs": logprobs(place=0.3, other=0.0)}]}
PASSAGES = {"a": Passage("a", "dev", TEXT, GOLD)}


def test_each_rule_types_the_saved_candidates_again():
    shipped = entities(RECORD, TEXT, TypingRule(), sentence_starts=True)
    assert shipped == [Entity("Laura Muir", "person"), Entity("Acme Club", "organisation")]
    no_bias = entities(RECORD, TEXT, TypingRule(0.0, float("-inf")), sentence_starts=False)
    assert no_bias[0] == Entity("Laura Muir", "organisation") and len(no_bias) == 3
    assert scores([RECORD], PASSAGES, TypingRule(), True) == (1.0, 1.0)
    assert scores([RECORD], PASSAGES, TypingRule(0.0, float("-inf")), False) == (0.5, 1 / 3)
    # a bar above 2 nats over "other" keeps no candidate
    assert entities(RECORD, TEXT, TypingRule(0.5, 9.0), True) == []


@pytest.fixture
def saved(tmp_path):
    data = tmp_path / "e.jsonl"
    data.write_text(json.dumps({"id": "a", "split": "dev", "text": TEXT, "entities": [
        {"text": e.text, "type": e.type} for e in GOLD]}) + "\n", encoding="utf-8")
    run = tmp_path / "extract.json"
    run.write_text(json.dumps({"records": [RECORD, {**RECORD, "id": "b", "split": "test"}]}))
    return data, run


def test_the_command_reports_the_shipped_rule_and_the_search(saved, capsys):
    data, run = saved
    before = (candidates.ORGANISATION_BIAS, candidates.MIN_OVER_OTHER, TypingRule())
    assert main(["eval", "tune-extract", "--data", str(data), "--features", str(run)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 dev passages\nshipped (bias 0.5, bar 0.5, sentence starts): "
                          "recall 1.000, precision 1.000")
    assert "no bias, no bar: recall 0.500, precision 0.333" in out
    assert "best precision with recall >= 0.85:" in out
    assert (candidates.ORGANISATION_BIAS, candidates.MIN_OVER_OTHER, TypingRule()) == before


def test_the_command_names_what_is_missing(saved, capsys):
    data, run = saved
    assert main(["eval", "tune-extract", "--data", str(data)]) == 2
    assert "pass --features FILE" in capsys.readouterr().err
    assert main(["eval", "tune-extract", "--data", str(data), "--features", str(run),
                 "--split", "train"]) == 2
    assert "no records in split 'train'" in capsys.readouterr().err
