"""Summary figures of issue 12 (loops, lead copies, faithfulness), the summarize task's long-
article condensing and loop trimming, and ``eval summaries`` on the tiny model."""

from __future__ import annotations

import json

import pytest

from lmdemo.config import AppConfig, default_cache_dir
from lmdemo.errors import InputError
from lmdemo.eval import metrics
from lmdemo.eval.summaries import (
    SUMMARY_DATA,
    SplitArticle,
    group_scores,
    load_summary_articles,
    run_summaries,
)
from lmdemo.params import make_params
from lmdemo.runtime import Runtime
from lmdemo.tasks import TaskService, get_task
from lmdemo.tasks.catalog.summarize import clean_summary, condense, sentences
from lmdemo.tasks.postprocess import loop_start, trim_loop

ARTICLE = ("Mayor Ana Ruiz opened the new Kessler bridge in Port Amsel on Monday. The bridge "
           "cost 14 million euros and took two years to build. About 9,000 cars are expected "
           "to cross it every day.")


@pytest.mark.parametrize(
    "text, loops",
    [
        ("The report says it is to be-to-be-to-be-to-be", True),
        ("The plan. The plan. The plan. The plan.", True),  # "the plan the" three times
        ("Rain fell. Rain fell again. Rain fell on Monday.", False),  # 2-grams, not 3-grams
        ("the city of the city of", False),  # twice is not a loop
        ("the city of X and the city of Y and the city of Z", True),
        ("水很深水很深水很深", True),  # one CJK character is one word
        ("", False),
    ],
)
def test_loop_is_a_three_word_run_seen_three_times(text, loops):
    assert metrics.has_loop(text) is loops
    assert (loop_start(text) is not None) is loops


@pytest.mark.parametrize(
    "raw, trimmed, cleaned",
    [
        ("Water will be rationed. The board said to be-to-be-to-be-to-be",
         "Water will be rationed. The board said to be", "Water will be rationed."),
        ("It rained. It rained. It rained. It rained.", "It rained.", "It rained."),
        ("A bridge opened on Monday. It cost 5 million", "A bridge opened on Monday. It cost 5 "
         "million", "A bridge opened on Monday."),
    ],
)
def test_trim_loop_keeps_the_text_before_the_loop(raw, trimmed, cleaned):
    assert trim_loop(raw) == trimmed
    assert clean_summary(raw) == cleaned
    assert not metrics.has_loop(cleaned)


@pytest.mark.parametrize(
    "summary, copies",
    [
        ("Mayor Ana Ruiz opened the new Kessler bridge in Port Amsel on Monday.", True),
        ("mayor ana ruiz opened the new kessler bridge in port amsel", True),  # case, stop
        ("On Monday, Mayor Ana Ruiz opened the new Kessler bridge in Port Amsel, which cost "
         "14 million euros.", True),  # 'mayor ... amsel' is 10 of the lead's 11 words
        ("Port Amsel has a new 14-million-euro bridge, opened by Mayor Ana Ruiz on Monday.",
         False),
        ("", False),
    ],
)
def test_copies_lead(summary, copies):
    assert metrics.copies_lead(summary, ARTICLE) is copies


@pytest.mark.parametrize(
    "summary, faithful",
    [
        ("Port Amsel opened a bridge that cost 14 million euros.", True),
        ("Port Amsel opened a bridge that cost 15 million euros.", False),  # a number
        ("Mayor Tom Reed opened a bridge in Port Amsel.", False),  # names not in the text
        ("Angry protesters blocked the harbour tunnel yesterday.", False),  # content words
        ("It opened.", True),  # nothing to check: not unfaithful
        ("   ", False),  # an empty summary is not a faithful one
    ],
)
def test_is_faithful(summary, faithful):
    assert metrics.is_faithful(summary, ARTICLE) is faithful


def test_content_word_support_uses_stems():
    # 'building' and 'crossing' share a 5-letter stem with 'build' and 'cross'
    assert metrics.content_word_support("Building the bridge; crossing it.", ARTICLE) == 1.0
    assert metrics.content_word_support("Tunnel flooded.", ARTICLE) == 0.0
    assert metrics.content_word_support("It is.", ARTICLE) is None


def test_summary_health_counts_and_shares():
    health = metrics.summary_health(
        [ARTICLE.split(". ")[0] + ".", "to be to be to be to be", "", "A bridge cost 14 "
         "million euros."], [ARTICLE] * 4)
    assert health["loops"] == 1.0 and health["empty"] == 1.0
    assert health["lead_copy"] == 0.25
    # the loop has no content word or name to check, so only the empty one is unfaithful
    assert health["faithful"] == 0.75
    assert health["mean_words"] == pytest.approx((13 + 8 + 0 + 6) / 4)


def test_group_scores_per_split_and_length():
    rows = [SplitArticle("a", "dev", ARTICLE), SplitArticle("b", "test", ARTICLE * 20)]
    scores = group_scores(["Port Amsel has a bridge.", "to be to be to be to be"], rows)
    assert scores["dev n"] == scores["dev short n"] == scores["test long n"] == 1.0
    assert "dev long n" not in scores and "test short n" not in scores
    assert scores["dev loops"] == 0.0 and scores["test loops"] == 1.0


def test_condense_keeps_short_articles_and_the_lead_of_long_ones():
    assert condense(ARTICLE) == ARTICLE
    article = " ".join(f"Sentence {i} says the harbour bridge had repairs number {i}."
                       for i in range(300))
    short = condense(article, 500)
    assert len(short) <= 500
    assert short.startswith("Sentence 0 says")
    kept = sentences(short)
    assert len(kept) > 3 and all(s in article for s in kept)
    order = [int(s.split()[1]) for s in kept]
    assert order == sorted(order)  # the article's order


def test_condense_prefers_central_sentences():
    lead = "The council of Marlow approved a new harbour wall on Tuesday."
    central = "The harbour wall will protect the harbour from storms, the council said."
    aside = "Marta, who runs a cafe nearby, had toast for breakfast."
    # central sentences too long for the budget, so the choice is between the other two
    filler = " ".join(f"The harbour council met about the harbour wall in week {i}, "
                      + "and the harbour wall was discussed at length by the council " * 3 + "."
                      for i in range(40))
    article = f"{lead} {aside} {central} {filler}"
    short = condense(article, len(lead) + len(central) + 2)
    assert short == f"{lead} {central}"


def test_sentences_split_paragraphs_and_quotes():
    text = 'First one. "Second," she said.\n\nThird without a stop'
    assert sentences(text) == ["First one.", '"Second," she said.', "Third without a stop"]


def test_long_article_is_condensed_with_a_notice(tiny_service):
    article = " ".join(f"Report {i}: the harbour wall in Marlow grew by {i} metres."
                       for i in range(200))
    prompt, notice = tiny_service.preview("summarize", article, max_new_tokens=20)
    assert "Report 0: the harbour wall" in prompt
    assert prompt.count("Report ") < 60
    assert "first sentence and the" in notice
    run = tiny_service.run("summarize", article, params=make_params(max_new_tokens=5))
    assert run.notices[0].key == "notice_condensed"
    assert run.notices[0].fields["total"] == 200
    assert isinstance(run.answer(), str)


def test_short_article_is_sent_whole(tiny_service):
    prompt, notice = tiny_service.preview("summarize", ARTICLE, max_new_tokens=20)
    assert ARTICLE in prompt and notice == ""


def test_condensing_checks_the_input_first(tiny_service):
    with pytest.raises(InputError, match="article is empty"):
        tiny_service.preview("summarize", "   ", max_new_tokens=20)
    with pytest.raises(InputError, match="limit is 20,000"):
        tiny_service.preview("summarize", "x. " * 7000, max_new_tokens=20)


def test_shipped_summary_set():
    rows = load_summary_articles(SUMMARY_DATA)
    assert len(rows) >= 20 and len({r.id for r in rows}) == len(rows)
    for split in ("dev", "test"):
        sizes = [len(r.text) for r in rows if r.split == split]
        assert min(sizes) < 1500 and max(sizes) > 2000, split
    assert max(len(r.text) for r in rows) > 18_000  # the issue's ~19,000-character case


def test_load_summary_articles_rejects_unknown_split(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"text": "x", "split": "train"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="split must be one of dev, test"):
        load_summary_articles(path)


def test_run_summaries_on_the_tiny_model(tiny_service):
    rows = [SplitArticle("a", "dev", ARTICLE), SplitArticle("b", "test", ARTICLE * 12)]
    result = run_summaries(tiny_service, rows)
    assert result.task == "summaries" and result.rows == 2
    assert {"dev loops", "dev lead_copy", "dev faithful", "dev mean_words", "test long n",
            "test raw_loops"} <= set(result.metrics)
    assert result.baseline["dev lead_copy"] == 1.0  # the lead is a copy of itself
    assert [r["id"] for r in result.records] == ["a", "b"]
    assert "first sentence and the" in str(result.records[1]["notice"])
    for record in result.records:
        assert not metrics.has_loop(str(record["summary"]))  # trimmed, whatever the raw was


def test_paper_preset_is_still_available():
    assert get_task("summarize").preset("paper") == "{article}\n\nTL;DR:"


@pytest.mark.slow
def test_bundled_model_does_not_loop_on_the_long_article():
    """The issue's case: an ~18,000-character article once gave 'to-be-to-be...'."""
    article = max(load_summary_articles(SUMMARY_DATA), key=lambda r: len(r.text)).text
    service = TaskService(Runtime(AppConfig(model="gemma-3-270m",
                                            cache_dir=default_cache_dir())))
    try:
        run = service.run("summarize", article)
        raw = run.request.result().text
        summary = run.postprocess(raw)
    finally:
        service.close()
    assert not metrics.has_loop(raw), raw
    assert summary and not metrics.has_loop(summary)


def test_condensed_notice_reads_the_same_in_the_ui_and_in_chinese(tiny_runtime):
    from lmdemo.ui.tabs.task_tab import notice_text

    article = " ".join(f"Report {i}: the harbour wall grew by {i} metres." for i in range(100))
    prepared = get_task("summarize").preprocess(tiny_runtime, {"text": article}, 20)
    assert prepared.notices[0].key == "notice_condensed"
    assert notice_text(prepared.notices[:1], "en") == prepared.notices[0].text
    chinese = notice_text(prepared.notices[:1], "zh-CN")
    assert chinese.startswith("这篇文章") and "100 句" in chinese


def test_cli_eval_summaries_prints_each_split(tiny_model_dir, tmp_path, capsys):
    from lmdemo.__main__ import main

    data = tmp_path / "a.jsonl"
    data.write_text("".join(json.dumps({"id": i, "split": split, "text": ARTICLE}) + "\n"
                            for i, split in enumerate(("dev", "test"))), encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["eval", "summaries", "--data", str(data), "--model", str(tiny_model_dir),
                 "--json", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "dev loops" in printed and "test lead_copy" in printed and "test faithful" in printed
    assert [r["split"] for r in json.loads(out.read_text())["records"]] == ["dev", "test"]
