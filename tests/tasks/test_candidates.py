"""Candidate names for the Extract task: proposed from the text, typed by the model's scores
(tiny GPT-2: the batched scores against one forward per candidate)."""

from __future__ import annotations

import json

import pytest
import torch

from lmdemo.eval.extract import DATA  # noqa: E402  the passages the eval scores
from lmdemo.models.forward import next_token_logits
from lmdemo.params import make_params
from lmdemo.runtime import Runtime
from lmdemo.tasks import candidates as cand
from lmdemo.tasks import get_task
from lmdemo.tasks.catalog.extract import EXAMPLES, ExtractRun, with_candidates
from lmdemo.tasks.extraction import Entity, Extraction


@pytest.mark.parametrize(("source", "taken", "proposed"), [
    # a single word seen only at sentence starts is no candidate; a leading "The" goes
    ("Floods hit Koblenz. The German Red Cross came.", [],
     ["Koblenz", "German Red Cross"]),
    ("Engineers found it. Four of them agreed! Kenyan runners won.", [], []),
    # ... but one also seen mid-sentence is, and so is a run of two capitalised words
    ("Paris is big. We love Paris. Laura Muir won.", [], ["Paris", "Laura Muir"]),
    # what the model already listed is not proposed again, nor anything overlapping it
    ("Chancellor Olaf Scholz visited Koblenz.", ["Olaf Scholz"], ["Koblenz"]),
    # apostrophes, digits and hyphens stay inside a name; lower-case words end it
    ("It burnt St Paul's Cathedral, the Aurora X2 and Rolls-Royce cars.", [],
     ["St Paul's Cathedral", "Aurora X2", "Rolls-Royce"]),
    # a quoted title, lower-case words and all, once
    ('She wrote "a room of her own" in Paris, then Paris again.', [],
     ["a room of her own", "Paris"]),
    ("He said so. She did too. It rained.", [], []),
    # Chinese: pieces of 2 to 6 Han characters between function characters, and 《titles》
    ("2019年，张伟在杭州创立了星河科技。", ["杭州"], ["张伟", "星河科技"]),
    ("他读了《红楼梦》。", [], ["他读", "红楼梦"]),
])
def test_propose_takes_capitalised_runs_and_quoted_titles(source, taken, proposed):
    assert cand.propose(source, taken) == proposed
    assert all(name in source for name in proposed)  # grounded by construction


def test_propose_keeps_text_order_and_stops_at_the_limit():
    source = "We saw " + " and ".join(f"Town{n}" for n in range(30)) + "."
    assert cand.propose(source, [], limit=5) == [f"Town{n}" for n in range(5)]


def test_a_candidate_takes_its_likeliest_label_and_only_names_are_kept():
    def scored(text: str, best: str) -> cand.Scored:
        return cand.Scored(text, tuple(0.0 if label == best else -5.0 for label in cand.LABELS))

    rows = [scored("Koblenz", "place"), scored("Floods", "other"), scored("May", "date"),
            scored("Ada", "person"), scored("Emma", "title")]
    assert [s.type for s in rows] == ["place", "other", "date", "person", "title"]
    assert cand.typed(rows) == [Entity("Koblenz", "place"), Entity("Ada", "person"),
                                Entity("Emma", "title")]


def _scores(**given: float) -> tuple[float, ...]:
    return tuple(given.get(label, -5.0) for label in cand.LABELS)


@pytest.mark.parametrize(("scores", "kind", "kept"), [
    # organisation loses ORGANISATION_BIAS (0.5) nats: a close person or place wins
    (_scores(organisation=1.0, person=0.6), "person", True),
    (_scores(organisation=1.8, place=1.7), "place", True),
    (_scores(organisation=1.2, person=0.6), "organisation", True),
    # a name type must beat "other" by MIN_OVER_OTHER (0.5) nats
    (_scores(place=0.3, other=0.0), "place", False),
    (_scores(place=0.6, other=0.0), "place", True),
    (_scores(organisation=0.9, other=0.0), "organisation", False),  # 0.4 after the bias
    (_scores(date=1.0, place=0.8), "date", False),
])
def test_the_organisation_bias_and_the_bar_over_other(scores, kind, kept):
    scored = cand.Scored("X", scores)
    assert scored.type == kind and scored.is_name is kept
    assert cand.typed([scored]) == ([Entity("X", kind)] if kept else [])


def test_typing_examples_are_grounded_and_not_from_the_labelled_set():
    passages = [json.loads(line)["text"] for line in DATA.read_text("utf-8").splitlines()]
    used = set()
    for text, names in cand.TYPING_EXAMPLES:
        assert all(text[:40] not in p for p in passages)
        assert all(name in text for name, _ in names)
        used |= {label for _, label in names}
    assert set(cand.NAME_TYPES) | {"other"} <= used
    assert cand.prompt_for("Ann met Bob.", "Ann").endswith("Text: Ann met Bob.\nName: Ann\nType:")


def test_with_candidates_adds_each_text_once():
    base = Extraction("Ann met Bob in Rome.", (Entity("Ann", "person"),), (), "", "")
    out = with_candidates(base, [Entity("ann", "person"), Entity("Rome", "place")])
    assert out.entities == (Entity("Ann", "person"), Entity("Rome", "place"))
    assert out.from_candidates == ("Rome",)


def test_batched_scores_equal_one_forward_per_candidate(tiny_runtime):
    loaded = tiny_runtime.loaded
    tokenizer = loaded.tokenizer
    source = "Floods hit Koblenz on Tuesday. The German Red Cross came."
    names = cand.propose(source, [])
    scored = cand.type_candidates(tiny_runtime, source, [])
    assert [s.text for s in scored] == names and len(names) == 3  # not "Floods"
    from lmdemo.backends.local import label_token_ids

    label_ids = label_token_ids(tokenizer, cand.LABELS)
    prefix_ids = tiny_runtime.encode(cand.PREFIX)
    text_ids = tokenizer(f"Text: {source}\n", add_special_tokens=False)["input_ids"]

    def solo(name: str) -> torch.Tensor:
        row = tokenizer(cand.row_text(name), add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logits = next_token_logits(loaded, prefix_ids + list(text_ids) + list(row))
        return torch.log_softmax(logits, dim=-1)[label_ids]

    reference = solo(cand.CONTENT_FREE)  # the scores are relative to the content-free name
    for item in scored:
        assert torch.allclose(torch.tensor(item.logprobs), solo(item.text) - reference,
                              atol=1e-4)
    # the examples' cache is kept: a second text reuses it and scores the same
    again = cand.type_candidates(tiny_runtime, source, [])
    assert torch.allclose(torch.tensor([s.logprobs for s in again]),
                          torch.tensor([s.logprobs for s in scored]), atol=1e-5)


def test_rows_in_chunks_score_as_one_batch(tiny_runtime, monkeypatch):
    source = "Floods hit Koblenz on Tuesday. The German Red Cross came."
    whole = cand.type_candidates(tiny_runtime, source, [])
    monkeypatch.setattr(cand, "MAX_CACHE_TOKENS", 1)  # one row per forward
    rows = cand.type_candidates(tiny_runtime, source, [])
    assert torch.allclose(torch.tensor([s.logprobs for s in rows]),
                          torch.tensor([s.logprobs for s in whole]), atol=1e-4)


def test_a_run_adds_the_typed_candidates_and_keeps_them_inspectable(tiny_runtime):
    task = get_task("extract")
    params = make_params(**{**task.defaults, "max_new_tokens": 4})
    source = "Floods hit Koblenz on Tuesday. The German Red Cross came."
    run = task.run(tiny_runtime, {"text": source}, params)
    assert isinstance(run, ExtractRun) and run.typer is not None
    result = run.result
    names = [s.text for s in run.scored]
    assert set(result.from_candidates) <= set(names)
    kept = {s.text for s in run.scored if s.is_name}
    assert kept <= {e.text for e in result.entities}
    assert all(e.text in source for e in result.entities)
    off = task.run(tiny_runtime, {"text": source, "candidates": False}, params)
    assert off.typer is None and off.result.from_candidates == ()


def test_a_server_without_scores_lists_the_models_entities_and_says_so(tiny_runtime,
                                                                       monkeypatch):
    monkeypatch.setattr(Runtime, "remote", property(lambda self: True))
    monkeypatch.setattr(cand, "score", lambda *a, **k: pytest.fail("scored on a server"))
    task = get_task("extract")
    params = make_params(**{**task.defaults, "max_new_tokens": 4})
    run = task.run(tiny_runtime, {"text": EXAMPLES[0][0]}, params)
    assert [n.key for n in run.notices] == ["notice_extract_no_candidates"]
    assert run.result.from_candidates == () and run.scored == []


@pytest.mark.slow
def test_bundled_model_types_a_person_places_and_a_title(bundled_loaded):
    from lmdemo.config import AppConfig, default_cache_dir
    from lmdemo.tasks.catalog.extract import TEXT_EN

    runtime = Runtime(AppConfig(model="gemma-3-270m", cache_dir=default_cache_dir()))
    try:
        types = {s.text: s.type for s in cand.type_candidates(runtime, TEXT_EN, [])}
    finally:
        runtime.close()
    # measured: also "Pierre Curie" and "Henri Becquerel" -> organisation (a known weakness)
    assert types["Marie Curie"] == "person"
    assert types["Warsaw"] == types["Paris"] == "place"
    assert types["Radioactivity"] == "title"
