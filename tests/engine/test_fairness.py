"""Fair scheduling: per-session lines served round-robin, a per-session cap while others
wait, pausing for a newcomer, chunked prefill, cancels that leave the queue, and requests
that can be read twice. Paused and chunk-prefilled requests must write what they write alone.
"""

from __future__ import annotations

import threading
import time

import pytest

import lmdemo.engine.scheduler as scheduler
from lmdemo.engine import Engine
from lmdemo.engine.batch import KVBatch
from lmdemo.errors import BusyError
from lmdemo.params import make_params
from lmdemo.sessions import Scope, acting_for, current_owner

SHORT = make_params(temperature=0, max_new_tokens=4)
LONG = make_params(temperature=0.9, seed=3, max_new_tokens=60)
GREEDY_LONG = make_params(temperature=0, repetition_penalty=1.2, max_new_tokens=40)


class Held:
    """Keeps the engine's worker busy in a job, so submissions pile up in the queue."""

    def __init__(self, engine: Engine):
        self.release = threading.Event()
        started = threading.Event()

        def hold() -> None:
            started.set()
            self.release.wait(120)

        self.thread = threading.Thread(target=engine.call, args=(hold,))
        self.thread.start()
        assert started.wait(30)

    def __enter__(self) -> Held:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(30)


def _end_time(request) -> float:
    completion = request.result()
    return request.submitted + completion.seconds


def _wait_for(condition, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.fixture()
def engine(tiny_loaded):
    engine = Engine(tiny_loaded, max_active=2, max_queue=16, max_per_session=1)
    yield engine
    engine.close()


@pytest.fixture()
def pauses(monkeypatch) -> list[int]:
    """The batch rows paused (taken out of the batch with their cache) during a test."""
    taken: list[int] = []
    take = KVBatch.take

    def counting_take(self, row):
        taken.append(row)
        return take(self, row)

    monkeypatch.setattr(KVBatch, "take", counting_take)
    return taken


def test_free_slots_go_round_robin_over_sessions_not_first_come(tiny_loaded):
    engine = Engine(tiny_loaded, max_active=1, max_queue=16, max_per_session=1)
    try:
        with Held(engine):
            a = [engine.submit("Hello", SHORT, owner="a") for _ in range(3)]
            b = engine.submit("Hello", SHORT, owner="b")
            c = engine.submit("Hello", SHORT, owner="c")
        order = sorted([*a, b, c], key=_end_time)
        # first come first served would run a, a, a, b, c
        assert order == [a[0], b, c, a[1], a[2]]
    finally:
        engine.close()


def test_a_session_is_capped_while_others_wait_and_fills_idle_slots_alone(tiny_loaded):
    engine = Engine(tiny_loaded, max_active=4, max_queue=16, max_per_session=2)
    try:
        with Held(engine):
            mine = [engine.submit("The cat", LONG, owner="a") for _ in range(4)]
            theirs = [engine.submit("The dog", LONG, owner="b") for _ in range(2)]
        _wait_for(lambda: sum(engine.running_by_session().values()) == 4)
        assert engine.running_by_session() == {"a": 2, "b": 2}
        for request in theirs:
            request.result()
        # nobody else waits: the capped session takes the free slots
        _wait_for(lambda: engine.running_by_session().get("a", 0) == 4
                  or all(r.done for r in mine))
        assert [r.result().finish_reason for r in mine] == ["length"] * 4
    finally:
        engine.close()


def test_a_newcomer_pauses_the_longest_running_request_which_resumes_unchanged(tiny_loaded,
                                                                              pauses):
    prompts = ("Once upon a time there was", "The weather in the mountains")
    solo = Engine(tiny_loaded)
    try:
        expected = [solo.generate(p, params).token_ids
                    for p, params in zip(prompts, (LONG, GREEDY_LONG), strict=True)]
    finally:
        solo.close()
    engine = Engine(tiny_loaded, max_active=2, max_queue=16, max_per_session=4)
    try:
        long = [engine.submit(p, params, owner="busy")
                for p, params in zip(prompts, (LONG, GREEDY_LONG), strict=True)]
        _wait_for(lambda: engine._steps > scheduler.MIN_SLICE_STEPS + 1)
        newcomer = engine.submit("Hi", SHORT, owner="new")
        newcomer.result()
        # the newcomer did not wait for either long request to end
        assert not all(r.done for r in long)
        assert pauses
        assert [r.result().token_ids for r in long] == expected
    finally:
        engine.close()


def test_sessions_with_one_request_each_take_turns_without_pausing_every_step(tiny_loaded,
                                                                              pauses):
    engine = Engine(tiny_loaded, max_active=2, max_queue=16, max_per_session=4)
    try:
        requests = [engine.submit("The cat", LONG, owner=f"s{i}") for i in range(3)]
        completions = [r.result() for r in requests]
        assert all(c.finish_reason == "length" for c in completions)
        # three streams for two slots: time slices of MIN_SLICE_STEPS, not one pause a step
        assert 0 < len(pauses) <= engine._steps / scheduler.MIN_SLICE_STEPS + 1
    finally:
        engine.close()


def test_a_chunk_prefilled_prompt_writes_what_it_writes_alone(tiny_loaded, monkeypatch):
    prompt = " ".join(["the quick brown fox jumps over the lazy dog"] * 6)
    params = make_params(temperature=0.8, seed=11, max_new_tokens=20)
    solo = Engine(tiny_loaded)
    try:
        expected = solo.generate(prompt, params).token_ids
        greedy_expected = solo.generate("Hello there", GREEDY_LONG).token_ids
    finally:
        solo.close()
    monkeypatch.setattr(scheduler, "PREFILL_CHUNK_TOKENS", 8)
    chunks: list[int] = []
    extend = KVBatch.extend

    def counting_extend(self, cache, ids, past):
        chunks.append(len(ids))
        return extend(self, cache, ids, past)

    monkeypatch.setattr(KVBatch, "extend", counting_extend)
    engine = Engine(tiny_loaded)
    try:
        running = engine.submit("Hello there", GREEDY_LONG)  # decodes while the long one fills
        _wait_for(lambda: not running._events.empty())
        long = engine.submit(prompt, params)
        assert long.result().token_ids == expected
        assert running.result().token_ids == greedy_expected
        # in several chunks of at most PREFILL_CHUNK_TOKENS, each token once
        assert sum(chunks) == len(long.prompt_ids) and len(chunks) > 2 and max(chunks) <= 8
    finally:
        engine.close()


def test_a_short_request_is_served_between_the_chunks_of_a_long_prompt(tiny_loaded,
                                                                       monkeypatch):
    monkeypatch.setattr(scheduler, "PREFILL_CHUNK_TOKENS", 4)
    engine = Engine(tiny_loaded)
    try:
        with Held(engine):
            long = engine.submit(" ".join(["word"] * 120), SHORT)
            short = engine.submit("Hi", SHORT)
        assert short.result().finish_reason == "length"
        assert not long.done  # 120 tokens at 4 a step: still filling when the short one ends
        assert long.result().finish_reason == "length"
    finally:
        engine.close()


def test_a_cancelled_waiting_request_leaves_the_queue_at_once(tiny_loaded):
    engine = Engine(tiny_loaded, max_active=1, max_queue=2)
    try:
        with Held(engine):
            first = engine.submit("a", SHORT)
            second = engine.submit("b", SHORT)
            with pytest.raises(BusyError):
                engine.submit("c", SHORT)
            second.cancel()
            # finished now, while the worker is still held, and no longer counted
            assert second.done and second.result().finish_reason == "cancelled"
            assert engine.stats()["waiting"] == 1
            third = engine.submit("c", SHORT)
        assert first.result().finish_reason == third.result().finish_reason == "length"
    finally:
        engine.close()


def test_cancelling_a_scope_cancels_every_request_it_made(tiny_loaded):
    engine = Engine(tiny_loaded, max_active=1, max_queue=32)
    scope = Scope()
    try:
        with acting_for("visitor", scope):
            assert current_owner() == "visitor"
            requests = [engine.submit("The cat", LONG) for _ in range(24)]
        assert current_owner() is None
        assert engine.running_by_session() in ({}, {"visitor": 1})
        scope.cancel()
        assert all(r.done for r in requests[1:])  # the waiting ones ended at once
        assert {r.result().finish_reason for r in requests} == {"cancelled"}
        assert engine.stats()["waiting"] == 0
        with acting_for("visitor", scope):  # a step still running after its event stopped
            late = engine.submit("The cat", LONG)
        assert late.done and late.result().finish_reason == "cancelled"
    finally:
        engine.close()


def test_result_after_reading_the_stream_returns_the_completion(tiny_loaded):
    engine = Engine(tiny_loaded)
    try:
        request = engine.submit("Hello", SHORT)
        text = "".join(event.text for event in request)
        done = threading.Event()
        threading.Thread(target=lambda: (request.result(), done.set()), daemon=True).start()
        assert done.wait(10), "result() after the stream blocked"
        assert request.result().text == text
        with pytest.raises(RuntimeError, match="already read"):
            list(request)
        # result() first does not use up the events: they can still be read, once
        other = engine.submit("Hello", SHORT)
        assert other.result().finish_reason == "length"
        assert "".join(event.text for event in other) == other.result().text
    finally:
        engine.close()


def test_the_owner_defaults_to_the_session_the_caller_acts_for(engine):
    with Held(engine):
        with acting_for("s1"):
            first = [engine.submit("Hello", LONG) for _ in range(2)]
        explicit = engine.submit("Hello", LONG, owner="s2")
    _wait_for(lambda: sum(engine.running_by_session().values()) == 2)
    assert engine.running_by_session() == {"s1": 1, "s2": 1}  # capped at one each
    for request in (*first, explicit):
        request.cancel()


def test_requests_without_an_owner_are_each_their_own_session(engine):
    with Held(engine):
        anonymous = [engine.submit("Hello", LONG) for _ in range(2)]
    _wait_for(lambda: sum(engine.running_by_session().values()) == 2)
    # one shared anonymous line would be capped at one (max_per_session=1) with slots free
    assert sorted(engine.running_by_session().values()) == [1, 1]
    for request in anonymous:
        request.cancel()


@pytest.mark.parametrize("sliding_window", [8, 64])
def test_chunks_and_pauses_keep_solo_logits_on_a_hybrid_cache(sliding_window):
    """Gemma 3's sliding + full layers: a prompt prefilled in chunks outside the batch, and
    a row taken out (paused) and added back, give the logits of a private solo run."""
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    from tests.engine.test_batching import LOGIT_TOLERANCE, _teacher_forced_solo

    torch.manual_seed(0)
    config = Gemma3TextConfig(vocab_size=512, hidden_size=64, intermediate_size=128,
                              num_hidden_layers=6, num_attention_heads=2, num_key_value_heads=1,
                              head_dim=32, sliding_window=sliding_window,
                              max_position_embeddings=256)
    model = Gemma3ForCausalLM(config).eval()
    gen = torch.Generator().manual_seed(1)
    long, short = (torch.randint(0, 512, (n,), generator=gen).tolist() for n in (30, 5))
    forced = {name: torch.randint(0, 512, (8,), generator=gen).tolist()
              for name in ("long", "short")}
    with torch.inference_mode():
        solo = {"long": _teacher_forced_solo(model, long, forced["long"]),
                "short": _teacher_forced_solo(model, short, forced["short"])}
        batch = KVBatch(model, torch.device("cpu"))
        worst = 0.0
        ((_, logits),) = batch.join([short])
        worst = max(worst, float((logits - solo["short"][0]).abs().max()))
        cache, past = None, 0
        for start in range(0, len(long), 7):  # the long prompt in chunks of 7
            cache, logits = batch.extend(cache, long[start : start + 7], past)
            past += len(long[start : start + 7])
        worst = max(worst, float((logits - solo["long"][0]).abs().max()))
        batch.add(cache, [past])
        rows, fed = ["short", "long"], {"short": 0, "long": 0}

        def step() -> None:
            nonlocal worst
            out = batch.decode([forced[name][fed[name]] for name in rows])
            for name, row_logits in zip(rows, out, strict=True):
                fed[name] += 1
                worst = max(worst, float((row_logits - solo[name][fed[name]]).abs().max()))

        step()
        step()
        paused, length = batch.take(rows.index("long"))  # pause the long one
        batch.keep([rows.index("short")])
        rows = ["short"]
        step()
        step()
        batch.add(paused, [length])  # and resume it, without a new prefill
        rows = ["short", "long"]
        step()
        step()
    assert fed == {"short": 6, "long": 4}
    assert worst < LOGIT_TOLERANCE


def test_old_requests_hold_a_share_of_the_batch_while_a_newcomer_runs(tiny_loaded):
    """Sixteen long streams would make every step of a newcomer's short request a 17-row
    step; instead the old ones hold a quarter of the slots until it is done, then all
    resume."""
    prompts = ("Once upon a time", "The weather in the mountains", "My favourite food",
               "In the year 2050")
    solo = Engine(tiny_loaded)
    try:
        expected = [solo.generate(p, LONG).token_ids for p in prompts]
    finally:
        solo.close()
    engine = Engine(tiny_loaded, max_active=8, max_queue=16, max_per_session=8)
    rows: list[tuple[int, bool]] = []  # (rows in the step, the newcomer still running)
    decode = KVBatch.decode
    newcomer = None

    def counting_decode(self, tokens, *rest):
        rows.append((len(tokens), newcomer is not None and not newcomer.done))
        return decode(self, tokens, *rest)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(KVBatch, "decode", counting_decode)
            long = [engine.submit(p, LONG, owner="busy") for p in prompts]
            _wait_for(lambda: engine._steps > scheduler.OLD_TOKENS
                      + scheduler.MIN_SLICE_STEPS)
            assert not any(r.done for r in long)
            newcomer = engine.submit("Hi", SHORT, owner="new")
            newcomer.result()
            # the step under way when it was submitted may still have had four rows
            during = [n for n, running in rows if running][1:]
            assert during and max(during) <= 3  # 8 // OLD_SHARE old rows and the newcomer
            assert [r.result().token_ids for r in long] == expected
            assert max(n for n, running in rows if not running) == 4
    finally:
        engine.close()
