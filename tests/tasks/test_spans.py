"""The span scorer split into candidates, measurements, scoring and the decision chooses
exactly what the single ``choose`` of before did.

``spans_before_split.json`` holds, for fixed questions under several settings, what the old
``spans.choose`` (commit ed52648) returned on the tiny GPT-2: the answer, the coverage, the
no-answer score, how many spans it scored and its five best (text, score, row, sentence).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmdemo.tasks import span_rules, spans, spans_scoring, spans_text
from lmdemo.tasks.catalog import answer
from lmdemo.tasks.prompts import render
from lmdemo.tasks.spans import SpanQuery
from lmdemo.tasks.spans_scoring import CONTENT_FREE, Measured, Settings

BEFORE = json.loads((Path(__file__).parent / "spans_before_split.json").read_text("utf-8"))


@pytest.mark.parametrize("case", BEFORE, ids=lambda c: f"{c['question']}{c['settings']}")
def test_the_split_scorer_chooses_what_the_old_one_did(tiny_runtime, case):
    def ids(question: str) -> list[int]:
        return tiny_runtime.encode(render(answer.TUNED_QA, ("context", "question"),
                                          context=case["context"], question=question))

    settings = Settings(**case["settings"])
    prior = ids(CONTENT_FREE) if settings.prior_weight else None
    query = SpanQuery(ids(case["question"]), case["context"], case["question"],
                      answer.NO_ANSWER, prior)
    choice = tiny_runtime.call(spans.choose, tiny_runtime.loaded, query, settings)
    assert choice.answer == case["answer"]
    assert choice.covered == pytest.approx(case["covered"])
    assert choice.no_answer.score == pytest.approx(case["no_answer_score"], abs=1e-3)
    assert len(choice.ranked) == case["candidates"]
    best = [[c.text, c.score, c.row, c.sentence] for c in choice.ranked[:5]]
    assert [b[0] for b in best] == [b[0] for b in case["best"]]
    assert [b[2:] for b in best] == [b[2:] for b in case["best"]]
    assert [b[1] for b in best] == pytest.approx([b[1] for b in case["best"]], abs=1e-3)


def test_candidates_come_from_the_sentences_nearest_the_question():
    context = "Bees make honey. The tower is 300 metres tall. Cats sleep a lot."
    question = span_rules.read_question("How tall is the tower?")
    found = spans_text.candidates(context, question, Settings(max_sentences=1, max_words=2))
    assert {r.sentence for r in found.runs} == {1}
    assert found.runs[0].text == "The tower" and found.runs[0].ends == [3, 9]
    assert found.near[1] == 1.0 and found.near[0] < 1.0


def test_scoring_and_the_decision_read_only_their_settings():
    question = span_rules.read_question("Which ocean?")
    measured = [Measured("Peru", -3.0, 2), Measured("Atlantic Ocean", -4.0, 3, sentence=1)]
    near = [0.0, 1.0]
    ranked = spans_scoring.rank(Settings(), question, measured, near)
    # the head noun "ocean" (+2) and the nearer sentence (+4) lift the second span past the first
    assert [(c.text, c.score) for c in ranked] == [("Atlantic Ocean", -4.0 + 2.0 + 4.0),
                                                    ("Peru", -3.0)]
    no_answer = Measured(answer.NO_ANSWER, -5.0, 2, prior=-1.0)
    # the best span beats the no-answer phrase by 7 nats: enough for the margin of 6 ...
    kept = spans_scoring.pick(Settings(), ranked, no_answer, 1.0)
    assert kept.answer == "Atlantic Ocean" and kept.no_answer.score == -5.0
    # ... not for a margin of 8, nor for 6 widened by 4 when the text lacks the question's words
    assert spans_scoring.pick(Settings(margin=8.0), ranked, no_answer, 1.0).answer == ""
    assert spans_scoring.pick(Settings(), ranked, no_answer, 0.0).answer == ""
    weighted = spans_scoring.pick(Settings(prior_weight=0.5), ranked, no_answer, 1.0)
    assert weighted.no_answer.score == -4.5
