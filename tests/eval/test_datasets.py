"""Loading evaluation files: headers, formats and errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lmdemo.errors import InputError
from lmdemo.eval.datasets import DEFAULT_DATA, QA_TEST, load_articles, load_qa, load_sst2


def test_load_sst2_skips_header(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text("sentence\tlabel\ngreat fun . \t1\n\ndull\t0\n", encoding="utf-8")
    rows = load_sst2(path)
    assert [(r.text, r.label) for r in rows] == [("great fun .", 1), ("dull", 0)]


def test_load_sst2_without_header(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text("good\t1\n", encoding="utf-8")
    assert load_sst2(path)[0].label == 1


@pytest.mark.parametrize("line", ["good\tpositive", "no tab at all 1", "\t1"])
def test_load_sst2_rejects_bad_rows(tmp_path, line):
    path = tmp_path / "s.tsv"
    path.write_text("good\t1\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=":2:"):
        load_sst2(path)


def test_load_qa(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text("context\tquestion\tanswers\nIt is red.\tWhat colour?\tred| Red \n",
                    encoding="utf-8")
    (row,) = load_qa(path)
    assert row.context == "It is red."
    assert row.answers == ("red", "Red")


def test_an_empty_answers_field_marks_an_unanswerable_question(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text("It is red.\tHow old is it?\t\nIt is red.\tWhat colour?\tred\n",
                    encoding="utf-8")
    rows = load_qa(path)
    assert [(r.answers, r.answerable) for r in rows] == [((), False), (("red",), True)]


def test_load_qa_rejects_missing_field(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text("It is red.\tWhat colour?\n", encoding="utf-8")
    with pytest.raises(InputError, match="answers"):
        load_qa(path)


def test_load_articles(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "x", "text": " Hello. "}) + "\n"
                    + json.dumps({"text": "Bye."}) + "\n", encoding="utf-8")
    rows = load_articles(path)
    assert [(r.id, r.text) for r in rows] == [("x", "Hello."), ("2", "Bye.")]


def test_load_articles_rejects_bad_json(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_articles(path)


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(InputError, match="--data"):
        load_sst2(tmp_path / "nope.tsv")


def test_shipped_articles_are_news_sized():
    rows = load_articles(DEFAULT_DATA["summarize"])
    assert 12 <= len(rows) <= 20
    assert len({r.id for r in rows}) == len(rows)
    for row in rows:
        assert 120 <= len(row.text.split()) <= 300, row.id


def test_shipped_qa_tuning_set_loads():
    rows = load_qa(DEFAULT_DATA["summarize"].parent / "qa-tune.tsv")
    assert len(rows) >= 30


def test_every_default_data_file_ships_in_the_package():
    """A fresh clone or a Space evaluates as it is: every data file is in lmdemo/eval/data,
    nothing is read from tests/ or outside the package (issue 19)."""
    import lmdemo.eval

    home = (Path(lmdemo.eval.__file__).resolve().parent / "data").resolve()
    for task, path in DEFAULT_DATA.items():
        assert path.is_file() and path.resolve().parent == home, task
    assert len(load_sst2(DEFAULT_DATA["sst2"])) == 872  # the whole GLUE SST-2 dev split


@pytest.mark.parametrize("path", [DEFAULT_DATA["qa"], QA_TEST])
def test_shipped_qa_sets_hold_both_kinds_of_question(path):
    rows = load_qa(path)
    answerable = [r for r in rows if r.answerable]
    assert len(answerable) >= 40 and len(rows) - len(answerable) >= 20
    for row in answerable:  # each accepted answer is words of the context
        assert any(a.lower() in row.context.lower() for a in row.answers), row.question
    for row in rows:
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", row.context)) <= 4, row.context


def test_the_qa_dev_and_test_sets_share_no_context():
    dev = {r.context for r in load_qa(DEFAULT_DATA["qa"])}
    test = {r.context for r in load_qa(QA_TEST)}
    tune = {r.context for r in load_qa(DEFAULT_DATA["summarize"].parent / "qa-tune.tsv")}
    assert not dev & test and not (dev | test) & tune


def test_few_shot_examples_are_not_taken_from_the_dev_sets():
    """Prompts were tuned on dev rows; their examples must not come from those rows."""
    from lmdemo.tasks.catalog.answer import QA_EXAMPLES
    from lmdemo.tasks.catalog.sentiment import EXAMPLES

    if not (DEFAULT_DATA["sst2"].is_file() and DEFAULT_DATA["qa"].is_file()):
        pytest.skip("the shared dev sets are not next to this checkout")
    sst = {row.text for row in load_sst2(DEFAULT_DATA["sst2"])}
    assert not sst & {text for text, _ in EXAMPLES}
    contexts = {row.context for row in load_qa(DEFAULT_DATA["qa"])}
    assert not contexts & {context for context, _, _ in QA_EXAMPLES}
