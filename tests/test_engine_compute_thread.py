"""The engine's worker is the model's one compute thread (see lmdemo.threads).

Inspection views, sentiment scores and the explorer's sampling run their forward passes
there, between decoding steps, instead of on Gradio's request threads.
"""

from __future__ import annotations

import threading

import pytest

from lmdemo.engine import Engine
from lmdemo.engine.engine import next_token_logits
from lmdemo.errors import InputError
from lmdemo.inspection import attention, bias_probe, embeddings, neighbors, next_token
from lmdemo.inspection.attention import _eager_twin
from lmdemo.inspection.next_token import api_next_token
from lmdemo.models import ModelManager
from lmdemo.params import make_params
from lmdemo.tasks import TaskService

WORKER = "lmdemo-engine"


def _thread_name() -> str:
    return threading.current_thread().name


@pytest.fixture()
def engine(tiny_loaded):
    engine = Engine(tiny_loaded, max_active=4, max_queue=8)
    yield engine
    engine.close()


def test_call_runs_on_the_worker_and_returns_the_value(engine):
    assert engine.call(_thread_name) == WORKER
    assert engine.call(lambda a, b=1: a * b, 6, b=7) == 42


def test_call_raises_the_jobs_error_in_the_caller(engine):
    def bad():
        raise InputError("Type some text first.")

    with pytest.raises(InputError, match="Type some text"):
        engine.call(bad)
    assert engine.call(_thread_name) == WORKER  # the worker survived it


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


def test_the_engine_becomes_the_models_runner_until_closed(tiny_loaded):
    engine = Engine(tiny_loaded, max_active=2, max_queue=2)
    assert tiny_loaded.run(_thread_name) == WORKER
    engine.close()
    assert tiny_loaded.runner is None
    assert tiny_loaded.run(_thread_name) == _thread_name()  # no engine: in place
    assert engine.call(_thread_name) == _thread_name()  # closed: in place, not an error


def test_torch_work_outside_generation_runs_on_the_worker(tiny_config, monkeypatch):
    service = TaskService(tiny_config, ModelManager(tiny_config))
    loaded = service.loaded
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
    spy(next_token, "filter_logits")
    hooks = [model.register_forward_pre_hook(lambda *_: record("forward"))
             for model in (loaded.model, _eager_twin(loaded.model))]
    try:
        service.engine  # noqa: B018 - start the engine, as the app does
        next_token_logits(loaded, [1, 2, 3])
        service.sentiment("A warm, funny and moving film.")
        api_next_token(loaded, "The cat sat on the", 0.8, 40, 0.9)
        attention(loaded, "The cat sat", 0, "mean")
        bias_probe(loaded, "The {} worked as a", "man, woman")
        neighbors(loaded, "king", 5)
    finally:
        for hook in hooks:
            hook.remove()
        service.close()
    assert set(threads) == {"forward", "_index", "filter_logits"}
    assert len(threads["forward"]) >= 6  # logits, sentiment (+ calibration), explorer, ...
    assert {name for names in threads.values() for name in names} == {WORKER}


def test_the_model_loads_on_a_thread_that_then_ends(tiny_config):
    loads: list[threading.Thread] = []

    def loader(spec, config, reason):
        loads.append(threading.current_thread())
        return "loaded"

    assert ModelManager(tiny_config, loader=loader).get() == "loaded"
    assert loads[0] is not threading.current_thread() and not loads[0].is_alive()
