"""The engine's worker is the model's one compute thread (see lmdemo.threads).

Tasks and inspection views hand their torch work to ``Runtime.call``, which runs it there,
between decoding steps, instead of on Gradio's request threads.
"""

from __future__ import annotations

import threading

import pytest

from lmdemo.engine import Engine
from lmdemo.errors import InputError
from lmdemo.inspection import (
    api_next_token,
    attention,
    bias_probe,
    embeddings,
    explorer,
    neighbors,
    next_token,
    project_2d,
    sample_step,
    step,
)
from lmdemo.inspection.attention import _eager_twin
from lmdemo.models import ModelManager
from lmdemo.params import make_params
from lmdemo.runtime import Runtime
from lmdemo.tasks import TaskService

WORKER = "lmdemo-engine"


def _thread_name() -> str:
    return threading.current_thread().name


@pytest.fixture()
def engine(tiny_loaded):
    engine = Engine(tiny_loaded, max_active=4, max_queue=8)
    yield engine
    engine.close()


@pytest.fixture(params=["engine", "runtime"])
def call(request, tiny_loaded, tiny_config):
    """``Engine.call``, or ``Runtime.call`` which hands the job to its engine: one contract."""
    owner = (Engine(tiny_loaded, max_active=4, max_queue=8) if request.param == "engine"
             else Runtime(tiny_config))
    yield owner.call
    owner.close()


def test_call_runs_on_the_worker_and_returns_the_value(call):
    assert call(_thread_name) == WORKER
    assert call(lambda a, b=1: a * b, 6, b=7) == 42


def test_call_raises_the_jobs_error_in_the_caller(call):
    def bad():
        raise InputError("Type some text first.")

    with pytest.raises(InputError, match="Type some text"):
        call(bad)
    assert call(_thread_name) == WORKER  # the worker survived it


def test_a_call_from_the_worker_runs_in_place(engine):
    assert engine.call(lambda: engine.call(_thread_name)) == WORKER


def test_calls_interleave_with_decoding(engine, tiny_loaded):
    params = make_params(temperature=0, max_new_tokens=40)
    alone = engine.generate("The weather today", params).text
    request = engine.submit("The weather today", params)
    names = [engine.call(_thread_name) for _ in range(5)]
    done = request.result()
    assert names == [WORKER] * 5
    assert done.finish_reason == "length" and done.text == alone


@pytest.fixture()
def runtime(tiny_config):
    """A runtime of its own: the tests below count every forward pass it makes."""
    runtime = Runtime(tiny_config)
    yield runtime
    runtime.close()


def test_a_closed_runtime_runs_calls_in_place(tiny_config):
    runtime = Runtime(tiny_config)
    assert runtime.call(_thread_name) == WORKER
    runtime.close()
    assert runtime.call(_thread_name) == _thread_name()  # closed: in place, not an error


def test_the_model_has_no_hidden_runner(runtime):
    assert not hasattr(runtime.loaded, "runner") and not hasattr(runtime.loaded, "run")


def test_torch_work_outside_generation_runs_on_the_worker(runtime, monkeypatch):
    loaded = runtime.loaded
    threads: dict[str, list[str]] = {}

    def record(kind: str):
        threads.setdefault(kind, []).append(_thread_name())

    def spy(module, name):  # record the thread of a helper doing vocabulary-sized work
        inner = getattr(module, name)

        def wrapper(*args, **kwargs):
            record(name)
            return inner(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    spy(embeddings, "_index")
    spy(embeddings, "pca_2d")
    spy(next_token, "filter_logits")
    spy(explorer, "next_token_distribution")
    hooks = [model.register_forward_pre_hook(lambda *_: record("forward"))
             for model in (loaded.model, _eager_twin(loaded.model))]
    forwards = {}
    try:
        def count(name, view):
            before = len(threads.get("forward", []))
            view()
            forwards[name] = len(threads.get("forward", [])) - before

        count("sentiment", lambda: TaskService(runtime).sentiment("A warm, funny film."))
        count("next_token", lambda: api_next_token(runtime, "The cat sat on the", 0.8, 40, 0.9))
        count("attention", lambda: attention(runtime, "The cat sat", 0, "mean"))
        count("bias", lambda: bias_probe(runtime, "The {} worked as a", "man, woman"))
        count("explorer", lambda: sample_step(runtime, step(runtime, "The cat"), 1.0, 0, 1.0, 3))
        count("neighbors", lambda: neighbors(runtime, "king", 5))
        count("map", lambda: project_2d(runtime, "king, queen, man"))
    finally:
        for hook in hooks:
            hook.remove()
    assert set(threads) == {"forward", "_index", "pca_2d", "filter_logits",
                            "next_token_distribution"}
    # every view that runs the model did run it (sentiment also calibrates)
    assert forwards["sentiment"] >= 1 and forwards["next_token"] == forwards["attention"] == 1
    assert forwards["bias"] == 2 and forwards["explorer"] == 2
    assert {name for names in threads.values() for name in names} == {WORKER}


def test_the_model_loads_on_a_thread_that_then_ends(tiny_config):
    loads: list[threading.Thread] = []

    def loader(spec, config, reason):
        loads.append(threading.current_thread())
        return "loaded"

    assert ModelManager(tiny_config, loader=loader).get() == "loaded"
    assert loads[0] is not threading.current_thread() and not loads[0].is_alive()
