"""Two models side by side (lmdemo/inspection/compare.py), on a tiny GPT-2 and a tiny Llama
whose tokenizers differ: each side is what that model gives alone, and both answers are
written at the same time."""

from __future__ import annotations

import threading
import time

import pytest

from lmdemo.config import AppConfig
from lmdemo.errors import ConfigError, InputError, UnknownModelError
from lmdemo.inspection import api_next_token, tokenize
from lmdemo.inspection.compare import (
    TOP_N,
    Merged,
    answers,
    comparable_task,
    comparable_tasks,
    compare,
    inspect_side,
    pick_models,
)
from lmdemo.params import make_params
from lmdemo.shelf import Shelf, runtime_busy
from lmdemo.tasks import get_task

CHINESE = "我喜欢在周末和朋友一起去公园散步。"
SAMPLED = make_params(temperature=0.9, top_k=40, top_p=0.95, max_new_tokens=12, seed=7)


@pytest.fixture(scope="module")
def shelf(pair_shelf):
    return pair_shelf


@pytest.fixture(scope="module")
def pair(shelf):
    names = pick_models(shelf, None)
    return names, [shelf.runtime(name) for name in names]


def offering(*names: str, max_models: int = 2) -> Shelf:
    config = AppConfig(models=names, max_models=max_models) if len(names) > 1 else \
        AppConfig(model=names[0])
    return Shelf(config)


def test_no_models_named_picks_the_first_two_offered():
    assert pick_models(offering("a", "b", "c"), "") == ("a", "b")
    assert pick_models(offering("a", "b", "c"), " c , a ") == ("c", "a")
    assert pick_models(offering("a", "b", "c"), ["b", "c"]) == ("b", "c")


@pytest.mark.parametrize(("shelf_of", "models", "error", "says"), [
    (lambda: offering("gpt2"), "gpt2,x", InputError, "--models A,B"),
    (lambda: offering("a", "b"), "a,zzz", UnknownModelError, "a, b"),
    (lambda: offering("a", "b", "c"), "a,b,c", InputError, "got 3. Pick two of: a, b, c"),
    (lambda: offering("a", "b", "c"), "b", InputError, "got 1"),
    (lambda: offering("a", "b"), "a,a", InputError, "two different models"),
    (lambda: offering("a", "b"), 5, InputError, "as text"),
    (lambda: offering("a", "b", max_models=1), "a,b", ConfigError, "--max-models 2"),
])
def test_bad_model_choices_name_the_problem_and_the_choices(shelf_of, models, error, says):
    with pytest.raises(error, match=None) as info:
        pick_models(shelf_of(), models)
    assert says in str(info.value)


def test_each_side_has_its_own_models_tokens(pair):
    names, runtimes = pair
    sides = [inspect_side(runtime, CHINESE, SAMPLED) for runtime in runtimes]
    for runtime, side in zip(runtimes, sides, strict=True):
        assert side["tokens"] == tokenize(runtime, CHINESE)
        assert side["token_count"] == len(side["tokens"])
        assert "".join(tok["token"] for tok in side["tokens"]) == CHINESE
    # GPT-2's BPE cuts most Chinese characters into bytes; the Llama's holds whole words
    gpt2, llama = (side["token_count"] for side in sides)
    assert llama < len(CHINESE) < gpt2


@pytest.mark.parametrize(("temperature", "top_k", "top_p"), [(1.0, 0, 1.0), (0.7, 5, 0.9)])
def test_each_top_ten_is_that_models_own_next_token_view(pair, temperature, top_k, top_p):
    _, runtimes = pair
    params = make_params(temperature=temperature, top_k=top_k, top_p=top_p)
    for runtime in runtimes:
        top = inspect_side(runtime, "The capital of France is", params)["next_tokens"]
        alone = api_next_token(runtime, "The capital of France is", temperature, top_k, top_p,
                               top_n=TOP_N)
        assert [{"token": c["token"], "probability": c["probability"]} for c in top] == alone
        assert 0 < len(top) <= TOP_N
        assert sum(c["probability"] for c in top) <= 1 + 1e-6
        assert [c["probability"] for c in top] == sorted((c["probability"] for c in top),
                                                         reverse=True)
    if top_k:
        assert len(top) == top_k


@pytest.mark.parametrize("task", ["generate", "translate"])
def test_each_answer_is_what_the_model_writes_alone_with_the_same_seed(pair, task):
    names, runtimes = pair
    result = compare(runtimes, names, "The cat sat on the mat.", SAMPLED, task)
    chosen = get_task(task)
    field = chosen.inputs[0].name
    for runtime, side in zip(runtimes, result["models"], strict=True):
        alone = chosen.run(runtime, {field: "The cat sat on the mat."}, SAMPLED)
        assert side["sent"] == alone.prompt  # the exact prompt this model got
        assert side["output"] == alone.answer()
    assert [side["model"] for side in result["models"]] == list(names)
    if task == "translate":
        assert result["models"][0]["sent"] != "The cat sat on the mat."


def test_a_score_task_runs_on_both(pair):
    names, runtimes = pair
    result = compare(runtimes, names, "A wonderful film.", SAMPLED, "sentiment")
    for side in result["models"]:
        assert set(side["output"]) == {"positive", "negative"}


def test_only_tasks_the_prompt_alone_can_feed_are_offered():
    assert {"generate", "summarize", "translate", "sentiment", "extract"} <= \
        set(comparable_tasks())
    assert "answer" not in comparable_tasks()  # it needs a question as well
    with pytest.raises(InputError, match="Pick one of: generate"):
        comparable_task("answer")


def test_both_answers_are_written_at_the_same_time(pair):
    _, runtimes = pair
    params = make_params(temperature=0.9, max_new_tokens=300, seed=1)
    changed = []  # which side each update changed
    last = None
    for sides in answers(runtimes, get_task("generate"), "Once upon a time", params):
        outputs = [side["output"] for side in sides]
        if last is not None:
            changed += [i for i in (0, 1) if outputs[i] != last[i]]
        last = outputs
    assert set(changed) == {0, 1}
    # read one after the other, every change of one side would come before the other's
    assert changed != sorted(changed) and changed != sorted(changed, reverse=True), changed


def test_closing_the_stream_stops_both_generations(pair):
    _, runtimes = pair
    params = make_params(max_new_tokens=1000, seed=1)
    stream = answers(runtimes, get_task("generate"), "Once upon a time", params)
    next(stream)
    assert all(runtime_busy(runtime) for runtime in runtimes)
    stream.close()
    deadline = time.monotonic() + 10
    while any(runtime_busy(runtime) for runtime in runtimes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(runtime_busy(runtime) for runtime in runtimes)


def test_merged_reads_every_stream_at_once():
    second_started = threading.Event()

    def first():
        yield "a1"
        # Read one after the other, the second stream would not start until this one ends.
        assert second_started.wait(5), "the second stream was not read meanwhile"
        yield "a2"

    def second():
        second_started.set()
        yield "b1"

    got = list(Merged([first(), second()]))
    assert sorted(got) == [(0, "a1"), (0, "a2"), (1, "b1")]
    assert got.index((1, "b1")) < got.index((0, "a2"))


def test_merged_raises_the_first_error_and_reads_once():
    def broken():
        yield 1
        raise InputError("bad")

    merged = Merged([broken(), iter([2])])
    with pytest.raises(InputError, match="bad"):
        list(merged)
    with pytest.raises(RuntimeError, match="already read"):
        list(merged)
