"""``python -m lmdemo eval tune-qa``: settings reach the span scorer as values, the search
reads the saved scores, and no module constant or shared task changes."""

from __future__ import annotations

import json
import math

import pytest

from lmdemo.__main__ import main
from lmdemo.eval import tune_qa
from lmdemo.tasks import get_task, spans_scoring
from lmdemo.tasks.spans_scoring import Settings

DANUBE = ("The Danube rises in the Black Forest in Germany. It flows for about 2,850 "
          "kilometres and empties into the Black Sea.")
ROWS = [(DANUBE, "Where does the Danube rise?", "the Black Forest|Black Forest"),
        (DANUBE, "Into which sea does the Danube flow?", "the Black Sea|Black Sea"),
        (DANUBE, "Who named the Danube?", "")]


def constants() -> dict[str, object]:
    """The span scorer's module constants and the shared answer task's settings."""
    return {**{k: v for k, v in vars(spans_scoring).items() if k.isupper()},
            "task": get_task("answer").span_settings}


@pytest.fixture
def qa_file(tmp_path):
    path = tmp_path / "qa.tsv"
    path.write_text("context\tquestion\tanswers\n"
                    + "".join(f"{c}\t{q}\t{a}\n" for c, q, a in ROWS), encoding="utf-8")
    return path


def _row(spans, answers=("Paris",), no_answer=(-5.0, 0.0)) -> dict:
    """A saved row: spans are (text, logprob, prior, start-word rank, sentence)."""
    return {"answers": list(answers), "question": "Where is it?", "context": "Paris. Rome.",
            "seconds": 0.1, "spans": spans, "no_answer": no_answer}


def test_fewer_start_words_and_a_wider_margin_change_the_answer():
    # "Where is it?" has no content words: every sentence counts as covered (near bonus 4)
    rows = tune_qa.featured([_row([("Rome", -1.0, 0.0, 1, 1), ("Paris", -2.0, 0.0, 0, 0)])])
    assert tune_qa.best_spans(rows, Settings()) == [("Rome", 3.0)]
    assert tune_qa.best_spans(rows, Settings(max_starts=1)) == [("Paris", 2.0)]
    # the best span beats the no-answer phrase (-5) by 7 nats
    assert tune_qa.scores(rows, Settings(max_starts=1))[0] == 1.0
    assert tune_qa.scores(rows, Settings(max_starts=1, margin=7.5))[0] == 0.0


def test_the_prior_counts_only_with_its_weight():
    rows = tune_qa.featured([_row([("Rome", -1.0, -0.5, 0, 1), ("Paris", -2.0, -4.0, 1, 0)])])
    assert tune_qa.best_spans(rows, Settings())[0][0] == "Rome"
    assert tune_qa.best_spans(rows, Settings(prior_weight=1.0)) == [("Paris", 6.0)]


def test_the_command_collects_with_its_settings_and_changes_no_constant(
        qa_file, tiny_model_dir, tmp_path, capsys):
    before = constants()
    saved = tmp_path / "spans.json"
    assert main(["eval", "tune-qa", "--data", str(qa_file), "--model", str(tiny_model_dir),
                 "--features", str(saved), "--starts", "2", "--prior-weight", "0.5",
                 "--apply", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("collected: 2 start words per question, priors scored")
    assert "shipped settings, 2 start words: " in out and "over 3 rows" in out
    assert "shipped settings, prior weight 0.5: " in out and "best span always, by" not in out
    assert "shipped settings, prior weight 1.0: " in out
    data = json.loads(saved.read_text())
    assert data["collected"] == {**vars(Settings(max_starts=2, prior_weight=0.5))}
    spans = [s for row in data["rows"] for s in row["spans"]]
    assert spans and {s[3] for s in spans} <= {0, 1}  # only two start words were scored
    assert any(s[2] != 0.0 for s in spans)  # the priors were scored
    assert constants() == before

    # the saved scores are reused (no model): one start word of the two, and the search
    assert main(["eval", "tune-qa", "--features", str(saved), "--starts", "1",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("collected: 1 start words per question, priors scored")
    assert "best span always, by (prior, head, kind, echo, near), top 10:" in out
    # prior weights were searched, as the priors were collected
    grid = (tune_qa.PRIOR_WEIGHTS, tune_qa.HEAD_BONUSES, tune_qa.KIND_PENALTIES,
            tune_qa.ECHO_PENALTIES, tune_qa.NEAR_BONUSES, tune_qa.COVERAGE_WEIGHTS,
            tune_qa.MARGINS)
    assert f"{math.prod(map(len, grid))} settings tried (prior weights 0.0, 0.25, 0.5)" in out
    assert constants() == before


def test_bad_settings_are_named(capsys):
    assert main(["eval", "tune-qa", "--starts", "0"]) == 2
    assert "--starts must be 1 or more" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:  # argparse's own check, before any model loads
        main(["eval", "tune-qa", "--prior-weight", "half"])
    assert exit_.value.code == 2
    assert "argument --prior-weight: invalid float value: 'half'" in capsys.readouterr().err
