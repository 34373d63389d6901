"""The abstain decision: a logistic combination of signals, fitted on made-up rows."""

from __future__ import annotations

import pytest

from lmdemo.tasks.abstain import NO_RIVAL_GAP, Logistic, Signals, fit, rival_gap


def _rows():
    # right answers: the text holds the question's words and the model says "yes";
    # wrong ones: fewer of its words, a "no", and a rival close behind
    right = [Signals(8.0 + d, 5.0, 1.0, 2.0 + d) for d in (0.0, 0.5, 1.0, 1.5, 2.0)]
    wrong = [Signals(6.0 + d, 0.5, 0.5, -1.5 + d) for d in (0.0, 0.5, 1.0, 1.5, 2.0)]
    return right + wrong, [True] * 5 + [False] * 5


def test_fit_separates_right_from_wrong_rows():
    rows, labels = _rows()
    rule = fit(rows, labels)
    assert [rule.answers(r) for r in rows] == labels
    assert all(w > 0 for w in rule.weights)  # every signal points the same way here
    assert rule.probability(Signals(9.0, 5.0, 1.0, 3.0)) > 0.9
    assert rule.probability(Signals(6.0, 0.5, 0.5, -2.0)) < 0.1


def test_a_signal_that_does_not_vary_gets_no_weight():
    rows, labels = _rows()
    flat = [Signals(r.margin, r.gap, 1.0, r.verified) for r in rows]
    rule = fit(flat, labels)
    assert rule.weights[2] == 0.0 and rule.scales[2] == 1.0


def test_l2_shrinks_the_weights():
    rows, labels = _rows()
    loose, tight = fit(rows, labels, l2=0.1), fit(rows, labels, l2=100.0)
    assert sum(map(abs, tight.weights)) < sum(map(abs, loose.weights))


def test_threshold_moves_the_decision():
    rule = Logistic((1.0, 0.0, 0.0, 0.0), 0.0, (0.0, 0.0, 0.0, 0.0), (1.0, 1.0, 1.0, 1.0))
    row = Signals(1.0, 0.0, 0.0, 0.0)  # p = sigmoid(1) = 0.731
    assert rule.probability(row) == pytest.approx(0.7311, abs=1e-4)
    assert rule.answers(row)
    assert not Logistic(rule.weights, 0.0, rule.means, rule.scales, 0.8).answers(row)


def test_fit_refuses_mismatched_labels():
    with pytest.raises(ValueError, match="as many labels"):
        fit([Signals(0, 0, 0, 0)], [True, False])


@pytest.mark.parametrize(("ranked", "gap"), [
    ([("Lyon", 5.0), ("in Lyon", 4.0), ("Berlin", 2.0)], 3.0),  # "in Lyon" holds it
    ([("Lyon", 5.0), ("Lyon", 4.5)], NO_RIVAL_GAP),
    ([("Lyon", 5.0), ("Berlin", -20.0)], NO_RIVAL_GAP),  # capped
    ([], NO_RIVAL_GAP),
])
def test_rival_gap(ranked, gap):
    best = ranked[0][0] if ranked else ""
    assert rival_gap(best, ranked) == pytest.approx(gap)
