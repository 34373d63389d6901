"""fit-abstain: the trade-off curve, the threshold pick, and the command on saved signals."""

from __future__ import annotations

import json

import pytest

from lmdemo.__main__ import main
from lmdemo.eval import abstain
from lmdemo.tasks.abstain import Logistic, Signals


def _row(answerable: bool, right: bool, margin: float) -> abstain.Row:
    return abstain.Row("q", answerable, "span", right, Signals(margin, 1.0, 1.0, margin),
                       "span" if margin > 5 else "", (("span", margin),))


ROWS = [_row(True, True, 9.0), _row(True, True, 8.0), _row(True, False, 4.0),
        _row(False, False, 3.0), _row(False, False, 7.0)]
# p rises with the margin (the first signal) alone
MARGIN = Logistic((1.0, 0.0, 0.0, 0.0), -6.0, (0.0,) * 4, (1.0,) * 4)


def test_shares_count_only_right_answers_and_caught_unanswerables():
    assert abstain.shares(ROWS, [True] * 5) == (pytest.approx(2 / 3), 0.0)
    assert abstain.shares(ROWS, [False] * 5) == (0.0, 1.0)
    assert abstain.shares(ROWS, [True, True, False, False, True]) == (pytest.approx(2 / 3), 0.5)


def test_curve_trades_one_share_for_the_other():
    points = abstain.curve(ROWS, MARGIN, [0.1, 0.5, 0.85, 0.99])
    assert [p[0] for p in points] == [0.1, 0.5, 0.85, 0.99]
    answered = [p[1] for p in points]
    caught = [p[2] for p in points]
    assert answered == sorted(answered, reverse=True) and caught == sorted(caught)
    assert points[2][1:] == (pytest.approx(2 / 3), 1.0)  # p(7) = 0.73 < 0.85 <= p(8) = 0.88


def test_pick_takes_the_middle_of_the_best_run():
    points = [(0.1, 1.0, 0.0), (0.2, 0.9, 0.8), (0.3, 0.9, 0.8), (0.4, 0.9, 0.8),
              (0.5, 0.5, 1.0)]
    assert abstain.pick(points) == 0.3


def test_signals_alone_report_their_best_cut():
    cut, right, caught = abstain.alone(ROWS, "margin")
    assert (cut, right, caught) == (8.0, pytest.approx(2 / 3), 1.0)


def test_rows_survive_json():
    assert abstain.from_json(json.loads(json.dumps(abstain.to_json(ROWS)))) == ROWS


def test_as_code_prints_the_rule_back():
    rule = abstain.fitted(ROWS)
    code = abstain.as_code(rule)
    namespace: dict = {"Logistic": Logistic}
    exec(code, namespace)  # the printed line is what answer.py stores
    assert namespace["ABSTAIN"].threshold == rule.threshold
    assert namespace["ABSTAIN"].weights == pytest.approx(rule.weights, abs=1e-4)


def test_command_fits_on_saved_signals(tmp_path, capsys):
    features = tmp_path / "dev.json"
    features.write_text(json.dumps(abstain.to_json(ROWS)))
    assert main(["eval", "fit-abstain", "--features", str(features), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "5 rows (3 answerable, 2 not)" in out and "ABSTAIN = Logistic(" in out
    assert "single margin (before): answerable right 0.667, unanswerable caught 0.500" in out


def test_applying_the_shipped_rule_picks_no_cut_on_the_file(tmp_path, capsys):
    features = tmp_path / "test.json"
    features.write_text(json.dumps(abstain.to_json(ROWS)))
    assert main(["eval", "fit-abstain", "--features", str(features), "--apply",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("shipped rule on") and "alone" not in out and "ABSTAIN" not in out
    assert "single margin (before)" in out and "threshold  answerable_right" in out


def test_the_curve_is_drawn_with_the_shipped_point_ringed(tmp_path):
    svg = abstain.curve_svg(abstain.curve(ROWS, MARGIN, [0.1, 0.5, 0.85]), 0.5, "dev")
    assert svg.startswith("<svg") and svg.count("<circle") == 4  # three dots and the ring
    assert "ringed: threshold 0.5 (0.667, 0.500)" in svg
    import xml.etree.ElementTree as ET

    ET.fromstring(svg)  # well-formed
