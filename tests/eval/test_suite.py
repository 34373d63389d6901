"""``eval all``: every task on one model, one table with its model, CPU, date and command."""

from __future__ import annotations

import json
from pathlib import Path

from lmdemo.__main__ import main
from lmdemo.eval import suite
from lmdemo.eval.runners import EvalResult


def _result(task: str, metrics: dict[str, float]) -> EvalResult:
    return EvalResult(task, "tiny", 3, metrics, {k: 0.5 for k in metrics}, f"{task} baseline")


def test_run_suite_runs_every_task_on_its_own_data():
    seen = []

    def runner(name):
        def run(service, rows, progress=None):
            seen.append((name, rows, progress))
            return _result(name, {"accuracy": 1.0})
        return run

    names = [name for name, *_ in suite.SUITE]
    loaders = {n: (lambda path: [path.name, "b", "c"]) for n in names}
    out = suite.run_suite("service", {n: runner(n) for n in names}, loaders, limit=2,
                          progress=lambda name: name)
    assert [name for name, _, _ in out] == names == ["sst2", "qa", "extract", "summaries"]
    assert [rows for _, rows, _ in seen] == [[p.name, "b"] for _, _, p, _ in suite.SUITE]
    assert [p for _, _, p in seen] == names
    assert Path(out[1][1]).name == "qa-grounded-test.tsv"  # Q&A is scored on its test file


def test_table_names_model_cpu_date_command_and_each_metric():
    head = suite.Header("gemma-3-270m", "Some CPU, 2 logical cores, 1 torch thread(s)",
                        "2026-12-06 05:00 UTC", "python -m lmdemo eval all --threads 1", 12.0)
    results = [("sst2", Path("sst2-dev.tsv"), _result("sst2", {"accuracy": 0.888})),
               ("qa", Path("qa.tsv"), _result("qa", {"exact_match": 0.9, "f1": float("nan"),
                                                     "unanswerable_rows": 24.0})),
               ("summaries", Path("s.jsonl"), _result("summaries", {"test loops": 0.0,
                                                                    "test mean_words": 34.75}))]
    table = suite.format_table(head, results).splitlines()
    assert table[:4] == ["Model: `gemma-3-270m`  ",
                         "CPU: Some CPU, 2 logical cores, 1 torch thread(s)  ",
                         "Date: 2026-12-06 05:00 UTC, 12 s  ",
                         "Command: `python -m lmdemo eval all --threads 1`"]
    assert table[5] == "| task | data | rows | metric | model | baseline |"
    assert "| sentiment | sst2-dev.tsv | 3 | accuracy | 0.888 | 0.500 |" in table
    assert "| Q&A | qa.tsv | 3 | exact_match | 0.900 | 0.500 |" in table
    assert "| Q&A | qa.tsv | 3 | f1 | – | 0.500 |" in table  # a score over no rows
    assert "| summaries | s.jsonl | 3 | test loops | 0 | 0 |" in table  # a count
    assert "| summaries | s.jsonl | 3 | test mean_words | 34.8 | 0.5 |" in table
    assert not any("unanswerable_rows" in line for line in table)  # not a shown metric
    assert table[-1].startswith("Baselines: sentiment: sst2 baseline; Q&A: qa baseline")


def test_header_records_the_command_as_typed():
    head = suite.header("tiny", 1.0, ["eval", "all", "--model", "a b"])
    assert head.command == "python -m lmdemo eval all --model 'a b'"
    assert "logical cores" in head.cpu and head.date.endswith("UTC")


def test_eval_all_refuses_flags_it_does_not_use(capsys):
    assert main(["eval", "all", "--data", "x.tsv", "--no-progress"]) == 2
    assert "only --limit" in capsys.readouterr().err


def test_eval_all_on_the_tiny_model_prints_one_table(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "all.json"
    code = main(["eval", "all", "--model", str(tiny_model_dir), "--limit", "1",
                 "--no-progress", "--json", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"Model: `{tiny_model_dir.name}`")
    assert "Command: `python -m lmdemo eval all --model" in printed
    for label in ("| sentiment | sst2-dev.tsv | 1 | accuracy |", "| Q&A | qa-grounded-test.tsv",
                  "| extraction | extract.jsonl | 1 |", "| summaries | summaries.jsonl | 1 |"):
        assert label in printed
    saved = json.loads(out.read_text())
    assert saved["table"] == printed.strip()
    assert [r["task"] for r in saved["results"]] == ["sst2", "qa", "extract", "summaries"]
