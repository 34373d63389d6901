"""Evaluation metrics on tiny hand-made inputs."""

from __future__ import annotations

import pytest

from lmdemo.eval import metrics
from lmdemo.eval.baselines import first_sentence, majority_label


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The Mediterranean Sea!", "mediterranean sea"),
        ("  an   Apple, a day ", "apple day"),
        ("7 a.m.", "7 am"),
        ("Theatre", "theatre"),  # "the" only as a whole word
        ("", ""),
    ],
)
def test_normalize_answer(text, expected):
    assert metrics.normalize_answer(text) == expected


@pytest.mark.parametrize(
    "prediction, answers, em, f1",
    [
        ("the Mediterranean", ["Mediterranean Sea", "Mediterranean"], 1.0, 1.0),
        ("Mediterranean Sea.", ["the Mediterranean Sea"], 1.0, 1.0),
        ("in the gym", ["the gym", "gym"], 0.0, 2 / 3),
        ("Paris", ["1889"], 0.0, 0.0),
        ("", ["oxygen"], 0.0, 0.0),
        ("330 metres tall", ["330 metres"], 0.0, 0.8),
    ],
)
def test_exact_match_and_f1(prediction, answers, em, f1):
    assert metrics.exact_match(prediction, answers) == em
    assert metrics.token_f1(prediction, answers) == pytest.approx(f1)


def test_accuracy():
    assert metrics.accuracy([1, 0, 1, 1], [1, 1, 1, 0]) == 0.5
    assert metrics.accuracy([], []) == 0.0
    with pytest.raises(ValueError):
        metrics.accuracy([1], [1, 0])


@pytest.mark.parametrize(
    "text, complete",
    [
        ("It rained.", True),
        ('He said "no."', True),
        ("Is it over?", True),
        ("It rained and", False),
        ("", False),
        ("Costs rose 3.5", False),
    ],
)
def test_ends_complete_sentence(text, complete):
    assert metrics.ends_complete_sentence(text) is complete


@pytest.mark.parametrize(
    "text, rate",
    [
        ("the cat sat on the mat", 0.0),
        ("the cat sat on the cat sat on", 2 / 6),
        ("The cat sat. the CAT sat.", 1 / 4),  # case and punctuation are ignored
        ("two words", 0.0),
    ],
)
def test_repeated_trigram_rate(text, rate):
    assert metrics.repeated_trigram_rate(text) == pytest.approx(rate)


ARTICLE = ("Mayor Ana Ruiz said on Monday that 1,200 homes in Lisbon lost power. "
           "The outage lasted 3.5 hours.")


def test_checkable_facts_skip_sentence_starts():
    facts = metrics.checkable_facts("Ana Ruiz said 1,200 homes in Lisbon lost power. It ended.")
    assert facts == ["1200", "Ruiz", "Lisbon"]


@pytest.mark.parametrize(
    "summary, score, unsupported",
    [
        ("Mayor Ana Ruiz said 1200 homes lost power for 3.5 hours.", 1.0, []),
        ("Ruiz said 1,200 homes in Porto lost power.", 0.5, ["Porto"]),
        ("Power was cut to 900 homes in Lisbon.", 0.5, ["900"]),
        ("Many homes lost power.", None, []),
    ],
)
def test_faithfulness(summary, score, unsupported):
    assert metrics.faithfulness(summary, ARTICLE) == score
    assert metrics.unsupported_facts(summary, ARTICLE) == unsupported


def test_summary_scores_and_helpers():
    scores = metrics.summary_scores(["Mayor Ruiz spoke.", "power cut and"], [ARTICLE, ARTICLE])
    assert scores["complete_sentence"] == 0.5
    assert scores["faithfulness"] == 1.0  # the second summary has nothing to check
    assert scores["median_length_ratio"] == pytest.approx(
        (len("Mayor Ruiz spoke.") + len("power cut and")) / 2 / len(ARTICLE))
    assert metrics.mean([None, 1.0, 0.0]) == 0.5
    assert metrics.median([]) == 0.0


@pytest.mark.parametrize(
    "text, lead",
    [
        ("It rained. Then it stopped.", "It rained."),
        ("The bakery opens at 7 a.m. and closes at 5.", "The bakery opens at 7 a.m."),
        ("No end here", "No end here"),
        ('"Go!" she said. Then left.', '"Go!"'),
    ],
)
def test_first_sentence(text, lead):
    assert first_sentence(text) == lead


def test_majority_label():
    assert majority_label([1, 0, 1]) == 1
    assert majority_label([0, 1]) == 0  # ties go to the smaller label
    assert majority_label([]) == 0
