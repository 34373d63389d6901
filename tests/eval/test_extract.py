"""``python -m lmdemo eval extract``: the labelled set, the matching rules and the runner."""

from __future__ import annotations

import json

import pytest

from lmdemo.__main__ import main
from lmdemo.errors import InputError
from lmdemo.eval.extract import (
    DATA,
    by_type,
    grounded,
    load_extract,
    matches,
    run_extract,
    score,
    split_scores,
    type_scores,
)
from lmdemo.tasks.extraction import TYPES, Entity, Extraction


def test_the_shipped_set_has_both_splits_every_type_and_grounded_labels():
    rows = load_extract(DATA)
    assert len(rows) >= 30
    splits = {split: [r for r in rows if r.split == split] for split in ("dev", "test")}
    assert len(splits["dev"]) >= 12 and len(splits["test"]) >= 12
    assert len({r.id for r in rows}) == len(rows)
    for part in splits.values():
        assert {e.type for r in part for e in r.entities} == set(TYPES)
    assert all(e.text in r.text for r in rows for e in r.entities)


@pytest.mark.parametrize(("line", "message"), [
    ('{"split": "dev", "text": "Ann.", "entities": [{"text": "Bob", "type": "person"}]}',
     "found in the text"),
    ('{"split": "train", "text": "Ann.", "entities": []}', "split must be dev or test"),
    ('{"split": "dev", "text": "Ann.", "entities": [{"text": "Ann", "type": "pet"}]}',
     "known type"),
    ('{"text": "Ann."}', "expected an object"),
    ("not json", "expected an object"),
])
def test_a_bad_row_is_named(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_extract(path)


@pytest.mark.parametrize(("predicted", "gold", "strict", "loose"), [
    (("Marie Curie", "person"), ("Marie Curie", "person"), True, True),
    (("marie curie.", "person"), ("Marie Curie", "person"), True, True),
    (("the Danube", "place"), ("Danube", "place"), True, True),
    (("2.4 million", "number"), ("2.4 million dollars", "number"), False, True),
    (("Curie", "person"), ("Marie Curie", "person"), False, True),
    (("Marie Curie", "place"), ("Marie Curie", "person"), False, False),
    (("Cur", "person"), ("Marie Curie", "person"), False, False),
    (("杭州", "place"), ("杭州市", "place"), False, True),
])
def test_matching_rules(predicted, gold, strict, loose):
    p, g = Entity(*predicted), Entity(*gold)
    assert matches(p, g, strict=True) is strict
    assert matches(p, g) is loose


def test_score_counts_found_labels_and_right_predictions():
    gold = [Entity("Ann Lee", "person"), Entity("Rome", "place"), Entity("1999", "date")]
    predicted = [Entity("Ann Lee", "person"), Entity("Rome", "person"), Entity("1999", "date"),
                 Entity("Lee", "person")]
    assert score(predicted, gold) == (2, 3)
    assert score(predicted, gold, strict=True) == (2, 2)


def test_grounded_checks_the_squeezed_source_itself():
    ok = Extraction("Ann  Lee went.", (Entity("Ann Lee", "person"),), (), "", "")
    made_up = Extraction("Ann went.", (Entity("Ann", "person"), Entity("Bob", "person")), (),
                         "", "")
    assert grounded(ok) == (1, 1) and grounded(made_up) == (1, 2)


def test_split_scores_are_micro_averages():
    records = [{"labelled": 4, "x": {"found": 3, "right": 3, "strict_found": 2, "grounded": 4,
                                     "returned": 4}},
               {"labelled": 1, "x": {"found": 1, "right": 1, "strict_found": 1, "grounded": 2,
                                     "returned": 2}}]
    assert split_scores(records, "x") == {"recall": 0.8, "precision": pytest.approx(4 / 6),
                                          "strict_recall": 0.6, "grounded": 1.0}


def test_by_type_counts_add_up_to_the_totals():
    gold = [Entity("Ann", "person"), Entity("Rome", "place"), Entity("Paris", "place")]
    predicted = [Entity("Ann", "person"), Entity("Rome", "organisation"),
                 Entity("Paris", "place"), Entity("Bob", "person")]
    counts = by_type(predicted, gold)
    assert counts["person"] == [1, 1, 1, 2] and counts["place"] == [1, 2, 1, 1]
    assert counts["organisation"] == [0, 0, 0, 1] and counts["date"] == [0, 0, 0, 0]
    found, right = score(predicted, gold)
    assert sum(c[0] for c in counts.values()) == found
    assert sum(c[2] for c in counts.values()) == right
    records = [{"x": {"types": counts}}, {"x": {"types": by_type([], gold)}}]
    scores = type_scores(records, "x")
    assert scores["place recall"] == 0.25 and scores["person precision"] == 0.5
    assert scores["date recall"] != scores["date recall"]  # no labels: nan, not 0


def test_run_extract_on_the_tiny_model_reports_both_splits(tiny_service):
    rows = [r for r in load_extract(DATA) if r.id in ("dev01", "test01")]
    result = run_extract(tiny_service, rows)
    for split in ("dev", "test"):
        assert result.metrics[f"{split} grounded"] == 1.0
        assert 0.0 <= result.metrics[f"{split} recall"] <= 1.0
        # the pattern pass finds 3,200 / Tuesday / Wednesday and 1770 / 1792 / May 1824
        assert result.baseline[f"{split} recall"] > 0
    assert result.metrics["dev recall"] >= result.metrics["dev recall (model only)"]
    # the typed candidates only add: the same generations without them find no more
    assert result.metrics["dev recall"] >= result.metrics["dev recall (no candidates)"]
    dev = result.records[0]
    # "Floods" only starts a sentence, so it is no candidate
    assert [c["text"] for c in dev["candidates"]][:2] == ["Rhine", "German Red Cross"]
    assert result.metrics["dev person recall"] >= 0.0  # per-type figures too
    assert all(len(c["logprobs"]) == 7 for c in dev["candidates"])
    assert [r["id"] for r in result.records] == ["dev01", "test01"]


def test_cli_eval_extract_prints_both_splits(tiny_model_dir, tmp_path, capsys):
    data = tmp_path / "e.jsonl"
    rows = [json.dumps({"id": "a", "split": "dev", "text": "Ann met Bob on Friday.",
                        "entities": [{"text": "Friday", "type": "date"}]}),
            json.dumps({"id": "b", "split": "test", "text": "It cost 5 euros in 2001.",
                        "entities": [{"text": "2001", "type": "date"}]})]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["eval", "extract", "--data", str(data), "--model", str(tiny_model_dir),
                 "--no-progress", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("dev recall", "test precision", "test grounded", "pattern pass"):
        assert name in printed
    saved = json.loads(out.read_text())
    assert saved["metrics"]["dev recall"] == 1.0 == saved["metrics"]["test recall"]
