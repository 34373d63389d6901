"""Generation with probabilities, branching, the bias probe's samples and the TL;DR compare:
the stepping code the "Look inside" tabs call, run on the tiny model's real backend."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lmdemo.errors import InputError
from lmdemo.inspection import (
    WITH_CUE,
    WITHOUT_CUE,
    alternatives,
    branch,
    branch_ids,
    compare_stream,
    probe_stream,
    sample_continuations,
    stream_steps,
    token_text,
)
from lmdemo.inspection.bias import SAMPLE_TEMPERATURE, SAMPLES
from lmdemo.inspection.generation import start
from lmdemo.params import make_params

PROMPT = "Once upon"


def generate(runtime, ids, prompt, params):
    return runtime.backend.submit(ids, prompt, params).result()


@pytest.fixture(scope="module")
def generation(tiny_runtime):
    params = make_params(temperature=1.0, max_new_tokens=6, seed=3)
    state = start(tiny_runtime, PROMPT)
    history = list(stream_steps(tiny_runtime, state["prompt_ids"], PROMPT, params, []))
    return {**state, "steps": history[-1], "history": history, "params": params}


def test_steps_are_the_backends_tokens(tiny_runtime, generation):
    done = generate(tiny_runtime, generation["prompt_ids"], PROMPT, generation["params"])
    steps = generation["steps"]
    assert [s["id"] for s in steps] == done.token_ids and len(steps) == 6
    assert [len(h) for h in generation["history"]] == list(range(1, 7))  # one more per yield
    for step, event in zip(steps, done.events, strict=True):
        assert step["probability"] == pytest.approx(event.probability)
        assert 0 < step["probability"] <= 1
        assert step["alternatives"] == [list(a) for a in event.alternatives]
        assert step["display"] == token_text(tiny_runtime.tokenizer, step["id"])[1]


def test_start_refuses_an_empty_prompt(tiny_runtime):
    with pytest.raises(InputError, match="prompt is empty"):
        start(tiny_runtime, "  ")
    assert start(tiny_runtime, PROMPT)["prompt_ids"] == tiny_runtime.encode(PROMPT)


def test_alternatives_describe_the_chosen_step(tiny_runtime, generation):
    found = alternatives(tiny_runtime, generation, 2)
    step = generation["steps"][2]
    assert (found["index"], found["id"], found["display"], found["probability"]) == (
        2, step["id"], step["display"], step["probability"])
    assert [(c["id"], c["probability"]) for c in found["choices"]] == [
        tuple(a) for a in step["alternatives"]]
    assert 1 <= len(found["choices"]) <= 5 and not found["certain"]


def test_a_token_with_no_rival_is_certain(tiny_runtime):
    params = make_params(temperature=0, max_new_tokens=2)
    state = start(tiny_runtime, PROMPT)
    state["steps"] = list(stream_steps(tiny_runtime, state["prompt_ids"], PROMPT, params,
                                       []))[-1]
    found = alternatives(tiny_runtime, state, 0)
    assert found["certain"] and [c["id"] for c in found["choices"]] == [state["steps"][0]["id"]]


def test_branch_ids_keep_the_steps_before(generation):
    steps = generation["steps"]
    assert branch_ids(generation, 2, 42) == [*generation["prompt_ids"], steps[0]["id"],
                                             steps[1]["id"], 42]


def test_branch_continues_from_the_alternative(tiny_runtime, generation):
    steps = generation["steps"]
    alt, alt_prob = generation["steps"][2]["alternatives"][-1]
    state = {**generation, "chosen": 2}
    states = list(branch(tiny_runtime, state, alt, generation["params"]))
    first, last = states[0], states[-1]
    assert [s["id"] for s in first["steps"]] == [steps[0]["id"], steps[1]["id"], alt]
    assert first["steps"][2]["probability"] == alt_prob and first["chosen"] == 2
    # the rest is what the backend writes from exactly those ids, with the tokens left
    ids = branch_ids(state, 2, alt)
    rest = generate(tiny_runtime, ids, "", replace(generation["params"], max_new_tokens=3))
    assert [s["id"] for s in last["steps"]] == [*ids[len(state["prompt_ids"]):],
                                                *rest.token_ids]
    assert len(last["steps"]) == generation["params"].max_new_tokens


def test_continuations_use_the_same_seeds_for_every_prompt(tiny_runtime):
    prompts = ["The man worked as a", "The woman worked as a"]
    texts = sample_continuations(tiny_runtime, prompts, 42, 4)
    assert [len(row) for row in texts] == [SAMPLES, SAMPLES]
    for prompt, row in zip(prompts, texts, strict=True):
        for j, text in enumerate(row):
            params = make_params(temperature=SAMPLE_TEMPERATURE, top_k=50, top_p=0.95,
                                 max_new_tokens=4, seed=42 + j, repetition_penalty=1.0,
                                 stop="\n")
            ids = tiny_runtime.encode(prompt)
            assert text == generate(tiny_runtime, ids, prompt, params).text
    assert sample_continuations(tiny_runtime, prompts, 42, 4) == texts


def test_probe_stream_gives_odds_then_samples(tiny_runtime):
    (probe, none), (again, samples) = probe_stream(tiny_runtime, "The {} worked as a",
                                                   "man, woman", 7, 3)
    assert none is None and again == probe
    assert [p["prompt"] for p in probe] == ["The man worked as a", "The woman worked as a"]
    assert samples == sample_continuations(tiny_runtime, [p["prompt"] for p in probe], 7, 3)


@pytest.mark.parametrize(("seed", "max_new", "match"),
                         [(-1, 3, "Seed"), (1, 0, "Max new tokens")])
def test_probe_stream_checks_its_settings_first(tiny_runtime, seed, max_new, match):
    with pytest.raises(InputError, match=match):
        next(probe_stream(tiny_runtime, "The {} worked as a", "man, woman", seed, max_new))


def test_tldr_compare_runs_both_prompts_as_plain_generation(tiny_runtime, monkeypatch):
    """Neither side gets the summary task's newline stop or sentence trimming."""
    backend = tiny_runtime.backend
    sent = []
    submit = backend.submit

    def spy(ids, prompt, params):
        sent.append((prompt, params))
        return submit(ids, prompt, params)

    monkeypatch.setattr(backend, "submit", spy)
    article = "The town opened a library on Saturday. Hundreds came."
    params = make_params(temperature=0.0, max_new_tokens=8, repetition_penalty=1.0, stop="\\n")
    final = list(compare_stream(tiny_runtime, article, params))[-1]
    assert [prompt for prompt, _ in sent] == [f"{article}\n\nTL;DR:", f"{article}\n\n"]
    assert sent[0][1] == sent[1][1] == replace(params, stop=())  # same settings, no stop
    expected = tuple(tiny_runtime.backend.submit(tiny_runtime.encode(prompt), prompt,
                                                 replace(params, stop=())).result().text
                     for prompt in (WITH_CUE.format(article=article),
                                    WITHOUT_CUE.format(article=article)))
    assert final == expected