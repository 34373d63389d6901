"""The engine's contract as tasks see it: streaming, seeds, stops, budgets, cancel, busy."""

import threading
import time

import pytest

from lmdemo.engine import Engine
from lmdemo.errors import BusyError
from lmdemo.params import make_params


def test_stream_concatenates_to_the_final_text(tiny_engine):
    request = tiny_engine.submit("Hello world", make_params(seed=3, max_new_tokens=20))
    events = list(request)
    assert "".join(e.text for e in events) == request.completion.text
    assert request.completion.finish_reason in ("length", "eos")
    assert all(0.0 < e.probability <= 1.0 for e in events if e.token_id >= 0)


def test_a_slow_reader_gets_waiting_tokens_in_one_chunk(tiny_engine):
    request = tiny_engine.submit("Hello world", make_params(temperature=0, max_new_tokens=20))
    while request.completion is None:  # read nothing until the engine is done
        threading.Event().wait(0.01)
    chunks = list(request.chunks())
    assert len(chunks) == 1
    assert [e.token_id for e in chunks[0] if e.token_id >= 0] == request.completion.token_ids
    assert "".join(e.text for e in chunks[0]) == request.completion.text


def test_same_seed_same_text_other_seed_other_text(tiny_engine):
    params = make_params(temperature=1.0, top_k=0, top_p=1.0, seed=11, max_new_tokens=24)
    first = tiny_engine.generate("The cat", params)
    again = tiny_engine.generate("The cat", params)
    other = tiny_engine.generate("The cat", make_params(temperature=1.0, top_k=0, top_p=1.0,
                                                        seed=12, max_new_tokens=24))
    assert first.token_ids == again.token_ids
    assert first.token_ids != other.token_ids


def test_greedy_matches_transformers_generate(tiny_engine, tiny_loaded):
    import torch

    ids = tiny_loaded.tokenizer("Once upon a time", return_tensors="pt")
    expected = tiny_loaded.model.generate(**ids, max_new_tokens=12, do_sample=False,
                                          pad_token_id=tiny_loaded.tokenizer.eos_token_id)
    ours = tiny_engine.generate("Once upon a time",
                                make_params(temperature=0, repetition_penalty=1.0,
                                            max_new_tokens=12))
    assert ours.token_ids == expected[0, ids["input_ids"].shape[1]:].tolist()
    assert torch.is_tensor(expected)


def test_stop_sequence_ends_generation(tiny_engine):
    free = tiny_engine.generate("Hello", make_params(temperature=0, max_new_tokens=16))
    words = free.text.split()
    assert len(words) >= 3
    stop = words[2]
    stopped = tiny_engine.generate("Hello", make_params(temperature=0, max_new_tokens=16,
                                                       stop=[stop]))
    assert stopped.finish_reason == "stop"
    assert stop not in stopped.text
    assert free.text.startswith(stopped.text)


def test_long_prompt_is_cut_to_fit_context(tiny_engine, tiny_loaded):
    text = "word " * 1200
    request = tiny_engine.submit(text, make_params(max_new_tokens=20))
    completion = request.result()
    assert completion.prompt_tokens + 20 <= tiny_loaded.context_window
    assert "were cut" in completion.notice


def test_cancel_frees_the_request_quickly(tiny_engine):
    request = tiny_engine.submit("Hello", make_params(max_new_tokens=1000))
    for _ in request:
        request.cancel()
    assert request.completion.finish_reason == "cancelled"
    assert len(request.completion.token_ids) < 10
    assert tiny_engine.stats()["running"] == 0


def test_consumer_that_stops_reading_cancels(tiny_engine):
    request = tiny_engine.submit("Hello", make_params(max_new_tokens=1000))
    stream = iter(request)
    next(stream)
    stream.close()  # what Gradio does when a tab closes or Stop is pressed
    done = threading.Event()
    threading.Thread(target=lambda: (request.result(), done.set())).start()
    assert done.wait(10)
    assert request.completion.finish_reason == "cancelled"


def test_full_queue_says_busy(tiny_loaded):
    engine = Engine(tiny_loaded, max_active=1, max_queue=1)
    try:
        long = make_params(max_new_tokens=500)
        running = [engine.submit("a", long)]
        with pytest.raises(BusyError, match="busy"):
            for _ in range(5):
                running.append(engine.submit("b", long))
        for request in running:
            request.cancel()
    finally:
        engine.close()


def _flaky_decode(monkeypatch, fail_on):
    from lmdemo.engine.batch import KVBatch

    decode, calls = KVBatch.decode, {"n": 0}

    def flaky(self, tokens, *rest):
        calls["n"] += 1
        if fail_on(calls["n"]):
            raise RuntimeError("simulated failure in a batched step")
        return decode(self, tokens, *rest)

    monkeypatch.setattr(KVBatch, "decode", flaky)
    return calls


def test_a_failed_step_costs_no_one_their_text(tiny_loaded, monkeypatch):
    prompts = ("Hello", "The cat sat")
    params = make_params(temperature=0.9, seed=4, max_new_tokens=12)
    engine = Engine(tiny_loaded)
    try:
        expected = [engine.generate(p, params).token_ids for p in prompts]
        calls = _flaky_decode(monkeypatch, lambda n: n == 5)
        results = [r.result() for r in [engine.submit(p, params) for p in prompts]]
        assert calls["n"] > 5
        assert [r.token_ids for r in results] == expected
        assert all(r.finish_reason == "length" for r in results)
    finally:
        engine.close()


def test_a_step_that_keeps_failing_ends_with_an_error(tiny_loaded, monkeypatch, caplog):
    from lmdemo.engine.requests import INTERNAL, GenerationFailed

    engine = Engine(tiny_loaded)
    try:
        _flaky_decode(monkeypatch, lambda n: True)
        with caplog.at_level("ERROR", logger="lmdemo.engine.engine"), \
                pytest.raises(GenerationFailed) as caught:
            engine.generate("Hello", make_params(max_new_tokens=8))
        # the visitor reads the plain internal-error message (translated by its key) ...
        assert str(caught.value) == INTERNAL and caught.value.key == "err_internal"
        # ... and the cause is in the log, with its traceback
        failures = [r for r in caplog.records if r.exc_info]
        assert failures and "simulated failure" in str(failures[0].exc_info[1])
        assert engine.stats()["running"] == 0
    finally:
        engine.close()


def _emit_slowly(request, count: int, gap: float) -> threading.Thread:
    """Play the engine: one token every ``gap`` seconds, then the end."""
    from lmdemo.engine.requests import Completion, TokenEvent

    def run():
        for i in range(count):
            request.emit(TokenEvent(i, f"t{i} ", 1.0))
            time.sleep(gap)
        request.finish(Completion("", list(range(count)), "length", 1))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("coalesce", [False, True])
def test_coalesced_stream_keeps_every_token_in_fewer_updates(coalesce):
    """40 tokens over ~0.4 s: plain reading may take one update per token; coalesced, at
    most STREAM_UPDATES a second (the first at once, the end never held back)."""
    from lmdemo.engine import requests

    request = requests.Request([1], make_params(), 40)
    started = time.perf_counter()
    thread = _emit_slowly(request, 40, 0.01)
    chunks = list(request.chunks(coalesce=coalesce))
    elapsed = time.perf_counter() - started
    thread.join()
    assert [event.token_id for chunk in chunks for event in chunk] == list(range(40))
    if coalesce:
        assert len(chunks) <= elapsed * requests.STREAM_UPDATES + 2
    else:
        assert len(chunks) > elapsed * requests.STREAM_UPDATES + 2


def test_update_interval_shares_a_server_budget():
    from lmdemo.engine import requests

    alone = requests.update_interval()
    requests._readers[0] += 32
    try:
        crowded = requests.update_interval()
    finally:
        requests._readers[0] -= 32
    assert alone == pytest.approx(1 / requests.STREAM_UPDATES)
    assert crowded == pytest.approx(32 / requests.SERVER_UPDATES)
