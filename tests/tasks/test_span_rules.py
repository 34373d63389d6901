"""The cheap rules beside the span scores: answer kind, head noun, echo and coverage."""

from __future__ import annotations

import pytest

from lmdemo.tasks import span_rules
from lmdemo.tasks.spans_scoring import Settings, abstains


@pytest.mark.parametrize(("question", "head", "numeric", "person"), [
    ("Which ocean does the Amazon reach?", "ocean", False, False),
    ("In which city is the bookshop?", "city", False, False),
    ("How many capital cities does the Danube pass through?", None, True, False),
    ("How long does the crossing take?", None, True, False),
    ("When does the lake freeze over?", None, True, False),
    ("What year did it open?", "year", True, False),
    ("Who manages the shop on weekends?", None, False, True),
    ("What is copper used in?", None, False, False),
    ("小明有多少本书？", None, True, False),
])
def test_read_question(question, head, numeric, person):
    q = span_rules.read_question(question)
    assert (q.head, q.numeric, q.person) == (head, numeric, person)


@pytest.mark.parametrize(("question", "span", "head", "wrong", "echo"), [
    ("Which ocean does the Amazon reach?", "Atlantic Ocean", True, False, 0),
    ("Which ocean does the Amazon reach?", "Amazon River", False, False, 1),
    ("How many gears does the bicycle have?", "seven", False, False, 0),
    ("How many gears does the bicycle have?", "green", False, True, 0),
    ("When does the ferry leave?", "8:15", False, False, 0),
    ("When do gardeners plant tomatoes?", "late spring", False, False, 0),
    ("Who manages the shop?", "her son Diego", False, False, 0),
    ("Who manages the shop?", "on weekends", False, True, 0),
    ("小明住在哪里？", "小明", False, False, 2),
    ("小明住在哪里？", "上海", False, False, 0),
])
def test_span_features(question, span, head, wrong, echo):
    f = span_rules.span_features(span_rules.read_question(question), span)
    assert (f.head, f.wrong_kind, f.echo) == (head, wrong, echo)


@pytest.mark.parametrize(("a", "b", "same"), [
    ("cities", "city", True), ("manages", "manage", True), ("rivers", "river", True),
    ("sea", "seas", False),  # too short to stem safely: only equal words match
    ("bookshop", "books", False), ("deep", "danube", False),
])
def test_same_word(a, b, same):
    assert span_rules.same_word(a, b) is same


TEXT = ("The Danube rises in the Black Forest and flows for about 2,850 kilometres. It passes "
        "through four capital cities before it empties into the Black Sea.")


@pytest.mark.parametrize(("question", "share"), [
    ("How many capital cities does the Danube pass through?", 1.0),
    ("How deep is the Danube at its deepest point?", 1 / 3),  # "deep" asks; "deepest" is not
    ("How long is the Danube?", 1.0),
    ("What is it?", 1.0),  # no content words: nothing is missing
])
def test_coverage(question, share):
    assert span_rules.coverage(span_rules.read_question(question), TEXT) == pytest.approx(share)


@pytest.mark.parametrize(("best", "no_answer", "covered", "empty"), [
    (10.0, 0.0, 1.0, False), (10.0, 9.0, 1.0, True), (10.0, 0.0, 0.0, True),
    (20.0, 0.0, 0.0, False)])
def test_abstains(best, no_answer, covered, empty):
    s = Settings(margin=2.0, coverage_weight=12.0)
    assert abstains(s, best, no_answer, covered) is empty
