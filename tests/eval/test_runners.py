"""Runners end to end on the tiny random model, and the ``eval`` command line."""

from __future__ import annotations

import json

import pytest

from lmdemo.__main__ import build_parser, main
from lmdemo.eval import run_qa, run_sst2, run_summarize
from lmdemo.eval.datasets import Article, QAExample, SentimentExample
from lmdemo.eval.runners import qa_scores


def test_run_sst2_on_three_rows(tiny_service):
    rows = [SentimentExample("a joy to watch .", 1), SentimentExample("awful .", 0),
            SentimentExample("a triumph .", 1)]
    seen = []
    result = run_sst2(tiny_service, rows, progress=lambda items: seen.extend(items) or items)
    assert seen == rows
    assert result.rows == 3 and len(result.records) == 3
    assert 0.0 <= result.metrics["accuracy"] <= 1.0
    assert result.baseline == {"accuracy": pytest.approx(2 / 3)}
    assert {r["predicted"] for r in result.records} <= {0, 1}


def test_run_qa_on_two_rows(tiny_service):
    rows = [QAExample("It is red.", "What colour is it?", ("red",)),
            QAExample("Tom lives in Rome. He likes it.", "Where does Tom live?", ("Rome",))]
    result = run_qa(tiny_service, rows)
    assert set(result.metrics) == {"answerable_rows", "exact_match", "f1",
                                   "answerable_abstained", "unanswerable_rows"}
    assert result.baseline["f1"] > 0  # the first sentence contains both answers
    for row, record in zip(rows, result.records, strict=True):
        assert record["predicted"] == "" or record["predicted"] in row.context
        assert "no_answer_score" in record  # span mode says why it answered


def test_run_qa_scores_answerable_and_unanswerable_rows_apart(tiny_service):
    rows = [QAExample("It is red.", "What colour is it?", ("red",)),
            QAExample("It is red.", "How old is it?", ())]
    result = run_qa(tiny_service, rows, spans=False)
    assert result.metrics["answerable_rows"] == result.metrics["unanswerable_rows"] == 1
    assert result.baseline["no_answer_recognised"] == 0.0  # a first sentence never abstains
    assert result.baseline["exact_match"] == 0.0 and result.baseline["f1"] > 0
    assert result.settings["spans"] is False and "best_span" not in result.records[0]


@pytest.mark.parametrize(("predictions", "expected"), [
    (["red", ""], {"exact_match": 1.0, "answerable_abstained": 0.0,
                   "no_answer_recognised": 1.0}),
    (["", "new"], {"exact_match": 0.0, "answerable_abstained": 1.0,
                   "no_answer_recognised": 0.0}),
    (["The red.", "x"], {"exact_match": 1.0, "f1": 1.0, "no_answer_recognised": 0.0}),
])
def test_qa_scores(predictions, expected):
    rows = [QAExample("It is red.", "What colour is it?", ("red",)),
            QAExample("It is red.", "How old is it?", ())]
    scores = qa_scores(predictions, rows)
    assert {k: scores[k] for k in expected} == expected


def test_run_summarize_on_one_article(tiny_service):
    rows = [Article("a", "Mayor Ana Ruiz opened the bridge on Monday. It cost 5 million.")]
    result = run_summarize(tiny_service, rows)
    assert set(result.metrics) == set(result.baseline) == {
        "median_length_ratio", "complete_sentence", "repeated_trigram", "faithfulness"}
    assert result.baseline["complete_sentence"] == 1.0


def test_cli_eval_prints_scores_and_writes_json(tiny_model_dir, tmp_path, capsys):
    data = tmp_path / "s.tsv"
    data.write_text("text\tlabel\ngood\t1\nbad\t0\nfine\t1\n", encoding="utf-8")
    out = tmp_path / "r.json"
    code = main(["eval", "sst2", "--data", str(data), "--model", str(tiny_model_dir),
                 "--offset", "1", "--limit", "1", "--json", str(out), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "accuracy" in printed and "baseline" in printed
    saved = json.loads(out.read_text())
    assert saved["rows"] == 1 and saved["records"][0]["text"] == "bad"


def test_cli_reports_missing_data_as_message(tmp_path, capsys):
    assert main(["eval", "qa", "--data", str(tmp_path / "none.tsv"), "--no-progress"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_serve_passes_its_flags_through(monkeypatch):
    import sys
    import types

    seen = []
    fake = types.ModuleType("lmdemo.ui.launch")
    fake.main = lambda argv, prog=None: seen.append((argv, prog))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lmdemo.ui.launch", fake)
    assert main(["serve", "--port", "7861"]) == 0
    assert seen == [(["--port", "7861"], "python -m lmdemo serve")]  # its errors say "serve"


def test_generate_applies_to_qa_only(capsys):
    assert main(["eval", "sst2", "--generate", "--no-progress"]) == 2
    assert "--generate applies to qa" in capsys.readouterr().err


def test_eval_rejects_unknown_flags():
    with pytest.raises(SystemExit):
        main(["eval", "sst2", "--nope"])
    assert build_parser().parse_known_args(["eval", "qa"])[0].task == "qa"


@pytest.mark.parametrize("flags, message", [(["--offset", "9"], "leaves none"),
                                            (["--limit", "0"], "--limit 1 or more")])
def test_cli_rejects_empty_selections(tmp_path, capsys, flags, message):
    data = tmp_path / "s.tsv"
    data.write_text("good\t1\n", encoding="utf-8")
    assert main(["eval", "sst2", "--data", str(data), "--no-progress", *flags]) == 2
    assert message in capsys.readouterr().err
