"""Q&A as spans of the text: candidate spans, their scores, "" when the text does not say."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import gradio as gr
import pytest
import torch

from lmdemo.params import make_params
from lmdemo.runtime import Runtime
from lmdemo.tasks import get_task, span_rules, spans, spans_scoring, spans_text
from lmdemo.tasks.catalog import answer
from lmdemo.tasks.prompts import render
from lmdemo.tasks.spans import SpanQuery
from lmdemo.tasks.spans_scoring import CONTENT_FREE, Settings

AMAZON = ("The Amazon River flows through Brazil, Peru and Colombia. Its basin covers about "
          "seven million square kilometres. Francisco de Orellana travelled its length in 1542.")
CONTEXTS = [
    (AMAZON, "Who travelled the length of the Amazon?"),
    ("The ferry leaves at 8:15 and costs 18 dollars (children: 9).", "How much is a ticket?"),
    ("“Pico,” she said, “is grey.” Dr. J. Smith agreed!", "What colour is Pico?"),
    ("小明住在上海，他每天骑自行车去学校。", "小明住在哪里？"),
    ("Short.", "What?"),
]


# ---- candidate spans ------------------------------------------------------------------------
def candidate_spans(text: str, max_words: int = spans_scoring.MAX_WORDS) -> list[str]:
    """Every span the scorer may score: each run from a start word, cut at each span end."""
    return [run.text[:end] for run in spans_text.runs(text, max_words) for end in run.ends]


def test_spans_stay_inside_a_sentence_and_leave_out_edge_punctuation():
    text = "Paris, France. It is big."
    found = set(candidate_spans(text))
    assert {"Paris", "France", "Paris, France", "It is big", "big"} <= found
    assert not any(s.endswith((",", ".")) or "France. It" in s for s in found)


def test_spans_have_at_most_max_words():
    text = " ".join(f"w{i}" for i in range(20)) + "."
    found = candidate_spans(text, max_words=3)
    assert max(len(s.split()) for s in found) == 3
    assert len(found) == 20 * 3 - 3  # each start runs up to three words, fewer at the end


def test_an_initial_does_not_end_a_sentence():
    text = "Dr. J. Smith agreed."
    assert "J. Smith" in set(candidate_spans(text))


def test_a_chinese_comma_ends_a_clause_that_no_span_crosses():
    text = "小明住在上海，他每天骑自行车去学校。"
    found = set(candidate_spans(text))
    assert {"上海", "骑自行车"} <= found and not any("，" in s or "海他" in s for s in found)


def test_chinese_spans_are_runs_of_characters():
    text = "小明住在上海。"
    found = set(candidate_spans(text))
    assert {"上海", "小明", "小明住在上海"} <= found
    assert "。" not in "".join(found)


# ---- scores ---------------------------------------------------------------------------------
def _prompt_ids(runtime: Runtime, context: str, question: str) -> list[int]:
    prompt = render(answer.TUNED_QA, ("context", "question"), context=context, question=question)
    return runtime.encode(prompt)


@torch.inference_mode()
def _solo_logprob(loaded, prompt_ids: list[int], text: str) -> float:
    """log p(" " + text, then a line end | prompt) from one plain forward, no cache."""
    ids = loaded.tokenizer(" " + text, add_special_tokens=False)["input_ids"]
    full = torch.tensor([prompt_ids + ids])
    logprobs = torch.log_softmax(loaded.model(input_ids=full).logits[0].float(), dim=-1)
    total = sum(float(logprobs[len(prompt_ids) - 1 + t, i]) for t, i in enumerate(ids))
    newline = spans._newline_ids(loaded.tokenizer)
    return total + float(torch.logsumexp(logprobs[-1, newline], dim=0))


def test_batched_span_scores_equal_one_plain_forward_each(tiny_runtime):
    """The shared cache and right padding change nothing: each score, and each prior after
    the content-free question, is the solo one; the final score combines them as stated."""
    loaded = tiny_runtime.loaded
    question = "Who travelled the length of the Amazon?"
    ids = _prompt_ids(tiny_runtime, AMAZON, question)
    prior_ids = _prompt_ids(tiny_runtime, AMAZON, CONTENT_FREE)
    settings = Settings(prior_weight=0.5, kind_penalty=4.0)
    query = SpanQuery(ids, AMAZON, question, answer.NO_ANSWER, prior_ids)
    choice = tiny_runtime.call(spans.choose, loaded, query, settings)
    assert len(choice.ranked) > 10
    q = span_rules.read_question(question)
    for scored in (*choice.ranked[:3], choice.ranked[-1]):
        assert scored.logprob == pytest.approx(_solo_logprob(loaded, ids, scored.text), abs=1e-3)
        assert scored.prior == pytest.approx(_solo_logprob(loaded, prior_ids, scored.text),
                                             abs=1e-3)
        near = spans_text.sentence_coverage(AMAZON, q)[scored.sentence]
        assert scored.score == pytest.approx(spans_scoring.span_score(
            settings, scored.logprob, scored.prior, span_rules.span_features(q, scored.text),
            near))
    na = choice.no_answer
    assert na.logprob == pytest.approx(_solo_logprob(loaded, ids, na.text), abs=1e-3)
    assert na.score == pytest.approx(na.logprob - settings.prior_weight * na.prior)


def test_without_a_prior_the_score_is_the_log_probability_moved_by_the_rules(tiny_runtime):
    ids = _prompt_ids(tiny_runtime, AMAZON, "When?")
    choice = tiny_runtime.call(spans.choose, tiny_runtime.loaded,
                               SpanQuery(ids, AMAZON, "When?", answer.NO_ANSWER))
    assert all(c.prior == 0.0 for c in choice.ranked)
    # "when" asks for a number or a time: "1542" keeps its log-probability, a name loses;
    # a question with no content words is fully "covered" by every sentence
    by_text = {c.text: c for c in choice.ranked}
    if "1542" in by_text:
        assert by_text["1542"].score == pytest.approx(by_text["1542"].logprob
                                                      + spans_scoring.NEAR_BONUS)
    named = [c for c in choice.ranked if not span_rules.has_number_or_time(c.text)]
    assert named and all(c.score == pytest.approx(c.logprob - spans_scoring.KIND_PENALTY
                                                  + spans_scoring.NEAR_BONUS)
                         for c in named if span_rules.span_features(
                             span_rules.read_question("When?"), c.text).echo == 0)


def test_only_the_sentences_nearest_the_question_give_candidates(tiny_runtime):
    context = ("Bees make honey. The tower is 300 metres tall. Cats sleep a lot. "
               "Rain falls in April.")
    question = "How tall is the tower?"
    ids = _prompt_ids(tiny_runtime, context, question)
    choice = tiny_runtime.call(spans.choose, tiny_runtime.loaded,
                               SpanQuery(ids, context, question, answer.NO_ANSWER),
                               Settings(max_sentences=1, max_starts=100))
    assert {c.sentence for c in choice.ranked} == {1}
    assert "300 metres" in {c.text for c in choice.ranked}


def test_the_shared_prefix_cache_gives_the_same_scores(tiny_runtime):
    loaded = tiny_runtime.loaded
    ids = _prompt_ids(tiny_runtime, AMAZON, "Which countries does the Amazon flow through?")
    shared = answer.shared_ids(tiny_runtime, answer.TUNED_QA, ids)
    assert 0 < shared < len(ids)
    plain = tiny_runtime.call(spans.choose, loaded, SpanQuery(ids, AMAZON, "", answer.NO_ANSWER))
    prefix = spans.PrefixCache()
    for _ in range(2):  # a miss that fills the cache, then a hit
        query = SpanQuery(ids, AMAZON, "", answer.NO_ANSWER, shared=shared)
        cached = tiny_runtime.call(spans.choose, loaded, query, None, prefix)
        assert [c.text for c in cached.ranked] == [c.text for c in plain.ranked]
        assert [c.logprob for c in cached.ranked] == pytest.approx(
            [c.logprob for c in plain.ranked], abs=1e-4)


@pytest.mark.parametrize(("margin", "empty"), [(1e9, True), (-1e9, False)])
def test_the_margin_decides_between_the_best_span_and_no_answer(tiny_runtime, margin, empty):
    ids = _prompt_ids(tiny_runtime, AMAZON, "Who travelled the length of the Amazon?")
    choice = tiny_runtime.call(spans.choose, tiny_runtime.loaded,
                               SpanQuery(ids, AMAZON, "", answer.NO_ANSWER),
                               Settings(margin=margin))
    assert choice.best is not None
    assert choice.answer == ("" if empty else choice.best.text)


# ---- the task -------------------------------------------------------------------------------
@pytest.mark.parametrize(("context", "question"), CONTEXTS)
def test_an_answer_is_a_verbatim_span_of_the_text_or_empty(tiny_runtime, context, question):
    run = get_task("answer").run(tiny_runtime, {"context": context, "question": question},
                                 make_params(**get_task("answer").defaults))
    text = run.answer()
    assert text == "" or text in context
    assert text == run.choice.answer and list(run.stream()) == [text]
    assert all(c.text in context and 1 <= len(c.text.split()) for c in run.choice.ranked)


@pytest.mark.parametrize("preset", ["tuned", "paper"])
def test_with_a_prior_weight_the_task_scores_the_same_template_with_a_content_free_question(
        tiny_runtime, preset, monkeypatch):
    seen = {}
    choose = spans.choose

    def spy(loaded, query, settings, prefix):
        seen.update(question=query.question, prior=tiny_runtime.tokenizer.decode(query.prior_ids))
        return choose(loaded, query, settings, prefix)

    monkeypatch.setattr(spans, "choose", spy)
    task = replace(get_task("answer"), span_settings=Settings(prior_weight=0.5))
    run = task.run(tiny_runtime, {"context": AMAZON, "question": "Who?"},
                   make_params(**task.defaults), task.preset(preset))
    assert seen["question"] == "Who?"
    assert seen["prior"] == run.prompt.replace("Who?", CONTENT_FREE)
    assert any(c.prior != 0.0 for c in run.choice.ranked)


def test_the_shipped_settings_score_no_prior(tiny_runtime, monkeypatch):
    """The prior's weight is 0: the task sends no content-free prompt, so no second forward."""
    seen = []
    choose = spans.choose

    def spy(loaded, query, settings, prefix):
        seen.append((query.prior_ids, settings))
        return choose(loaded, query, settings, prefix)

    monkeypatch.setattr(spans, "choose", spy)
    task = get_task("answer")
    run = task.run(tiny_runtime, {"context": AMAZON, "question": "Who?"},
                   make_params(**task.defaults))
    assert seen == [(None, Settings())] and task.span_settings == Settings()
    assert all(c.prior == 0.0 for c in run.choice.ranked)


def test_a_cut_context_gives_spans_only_from_what_the_prompt_holds(tiny_runtime):
    context = " ".join(f"Fact {i} is that item {i} weighs {i} kilograms." for i in range(300))
    run = get_task("answer").run(tiny_runtime, {"context": context, "question": "How heavy?"},
                                 make_params(**get_task("answer").defaults))
    assert run.notices and run.notices[0].key == "notice_cut"
    assert all(c.text in run.prompt for c in run.choice.ranked)


@pytest.mark.parametrize(("raw", "clean"), [(" not stated\nText:", ""), ("Not stated.", ""),
                                            (" Lyon\n", "Lyon"), (" 1542.", "1542")])
def test_a_generated_no_answer_phrase_is_the_empty_answer(raw, clean):
    assert answer.clean(raw) == clean


def test_spans_off_generates_as_the_gpt2_paper_does(tiny_runtime):
    task = get_task("answer")
    params = make_params(**{**task.defaults, "max_new_tokens": 4})
    run = task.run(tiny_runtime, {"context": AMAZON, "question": "Who?", "spans": False},
                   params, task.preset("paper"))
    assert run.prompt.endswith("Q: Who?\nA:")
    assert not hasattr(run, "choice") and isinstance(run.answer(), str)


def test_a_server_without_scores_generates_and_says_so(tiny_runtime, monkeypatch):
    monkeypatch.setattr(Runtime, "remote", property(lambda self: True))
    monkeypatch.setattr(spans, "choose", lambda *a, **k: pytest.fail("scored on a server"))
    task = get_task("answer")
    params = make_params(**{**task.defaults, "max_new_tokens": 3})
    run = task.run(tiny_runtime, {"context": AMAZON, "question": "Who?"}, params)
    assert [n.key for n in run.notices] == ["notice_answer_generated"]
    assert isinstance(run.answer(), str)


def _tab_values(task) -> dict[str, object]:
    """What the Answer tab sends for a question the text does not answer, by parameter."""
    controls = {**vars(make_params(**task.defaults)), "stop": "\\n"}
    return {"context": AMAZON, "question": "How long is it?", "template": "", "spans": True,
            "chat": False,
            **controls}


NEVER = answer.Logistic((0.0,) * 4, -50.0, (0.0,) * 4, (1.0,) * 4)


# ---- the tab --------------------------------------------------------------------------------
@pytest.mark.parametrize(("language", "wording"), [("en", "The text does not say."),
                                                   ("zh-CN", "文中没有说。")])
def test_the_tab_says_the_text_does_not_say_when_the_answer_is_empty(
        tiny_runtime, monkeypatch, language, wording):
    from gradio.context import LocalContext

    from lmdemo.ui.tabs.task_tab import TabOutputs, parameter_names, run_in_tab

    monkeypatch.setattr(answer, "ABSTAIN", NEVER)  # the rule abstains on everything
    task = get_task("answer")
    outs = TabOutputs(gr.Textbox(), gr.Textbox(), gr.Markdown())
    args = [_tab_values(task)[name] for name in parameter_names(task)]
    token = LocalContext.request.set(SimpleNamespace(headers={"accept-language": language},
                                                     query_params={}))
    try:
        steps = list(run_in_tab(tiny_runtime, task, outs)(*args))
    finally:
        LocalContext.request.reset(token)
    assert steps[0][outs.output]["placeholder"] == ""  # a new run clears the last one's note
    final = steps[-1][outs.output]
    assert final["value"] == "" and final["placeholder"] == wording


def test_the_api_returns_the_empty_string_not_the_wording(tiny_runtime, monkeypatch):
    from lmdemo.ui.tabs.task_tab import endpoint, parameter_names

    monkeypatch.setattr(answer, "ABSTAIN", NEVER)  # the rule abstains on everything
    task = get_task("answer")
    args = [_tab_values(task)[name] for name in parameter_names(task)]
    assert list(endpoint(tiny_runtime, task, {})(*args))[-1] == ""


# ---- the bundled model ----------------------------------------------------------------------
@pytest.mark.slow
def test_bundled_model_picks_the_right_span(bundled_loaded):
    """The task on the real model, calibration and rules included: the best span is the
    answer, and the task answers with it (or "", never another span)."""
    from lmdemo.config import AppConfig, default_cache_dir
    from lmdemo.models import ModelManager

    config = AppConfig(model="gemma-3-270m", cache_dir=default_cache_dir())
    runtime = Runtime(config, ModelManager(config, lambda *a, **k: bundled_loaded))
    task = get_task("answer")
    params = make_params(**task.defaults)
    try:
        for question, expected in [("Who travelled the length of the Amazon?",
                                    "Francisco de Orellana"),
                                   ("In which year did Orellana travel the river?", "1542")]:
            run = task.run(runtime, {"context": AMAZON, "question": question}, params)
            assert run.choice.best.text == expected
            assert run.answer() in ("", expected)
    finally:
        runtime.close()


# ---- verification and the abstain decision (issue 21) ---------------------------------------
@torch.inference_mode()
def _solo_yes_no(runtime: Runtime, prompt: str) -> float:
    """log p(" yes") - log p(" no") after ``prompt``, from one plain forward."""
    loaded = runtime.loaded
    tok = loaded.tokenizer
    body = prompt[len(answer.VERIFY_PREFIX):]
    ids = runtime.encode(answer.VERIFY_PREFIX) + tok(body, add_special_tokens=False)["input_ids"]
    logprobs = torch.log_softmax(loaded.model(input_ids=torch.tensor([ids])).logits[0, -1]
                                 .float(), dim=-1)
    yes, no = (tok(" " + w, add_special_tokens=False)["input_ids"][0] for w in ("yes", "no"))
    return float(logprobs[yes] - logprobs[no])


def _choice(runtime: Runtime, question: str) -> spans_scoring.SpanChoice:
    ids = _prompt_ids(runtime, AMAZON, question)
    return runtime.call(spans.choose, runtime.loaded,
                        SpanQuery(ids, AMAZON, question, answer.NO_ANSWER))


@pytest.mark.parametrize("spans_verified", [1, 3])
def test_verification_scores_equal_one_plain_forward_each(tiny_runtime, monkeypatch,
                                                          spans_verified):
    monkeypatch.setattr(answer, "VERIFY_SPANS", spans_verified)
    question = "Who travelled the length of the Amazon?"
    choice = answer.decide(tiny_runtime, AMAZON, question, _choice(tiny_runtime, question))
    texts = list(dict.fromkeys(c.text for c in choice.ranked))[:spans_verified]
    assert [t for t, _ in choice.verified] == texts and len(texts) == spans_verified
    assert texts[0] == choice.best.text
    body = answer.verify_body(AMAZON, question)
    for text, score in choice.verified:  # batched rows score as one forward each
        prompt = answer.VERIFY_PREFIX + body + answer.verify_row(text)
        assert score == pytest.approx(_solo_yes_no(tiny_runtime, prompt), abs=1e-3)


@pytest.mark.parametrize(("bias", "answered"), [(50.0, True), (-50.0, False)])
def test_the_logistic_rule_decides_from_the_choices_signals(tiny_runtime, bias, answered):
    question = "Who travelled the length of the Amazon?"
    before = _choice(tiny_runtime, question)
    rule = answer.Logistic((0.0,) * 4, bias, (0.0,) * 4, (1.0,) * 4)
    after = answer.decide(tiny_runtime, AMAZON, question, before, rule)
    assert after.answer == (before.best.text if answered else "")
    s = after.signals
    assert s.margin == pytest.approx(before.best.score - before.no_answer.score)
    assert s.covered == before.covered and s.verified == after.verified[0][1]
    assert after.trust == pytest.approx(1.0 if answered else 0.0, abs=1e-9)


def test_without_a_rule_the_margin_still_decides(tiny_runtime, monkeypatch):
    monkeypatch.setattr(answer, "ABSTAIN", None)
    question = "Who travelled the length of the Amazon?"
    before = _choice(tiny_runtime, question)
    after = answer.decide(tiny_runtime, AMAZON, question, before)
    assert after.answer == before.answer and after.trust is None and after.verified
