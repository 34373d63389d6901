"""Continuous batching: neighbours never change a request's output; join, leave, cancel.

Tolerance relied on: in float32, a row's logits inside a batch differ from its solo run by
less than 1e-4 (measured ~1e-7; only matmul shapes differ). With that, greedy and seeded
sampling pick the same tokens alone and batched on these prompts. Float16-weight linear
layers (the CPU default, lmdemo/models/fp16.py) compute in float32 too, so the same bound
holds for them.
"""

from __future__ import annotations

import itertools
import threading

import pytest
import torch

from lmdemo.engine import Engine
from lmdemo.engine.batch import FORWARD_COST_TOKENS, KVBatch, can_batch, prefill_groups
from lmdemo.engine.sampling import next_token_distribution, row_distributions, sample_rows
from lmdemo.models.fp16 import halve_linears
from lmdemo.params import make_params

LOGIT_TOLERANCE = 1e-4

PROMPTS_AND_PARAMS = [
    ("The cat", make_params(temperature=1.0, top_k=0, top_p=1.0, seed=1, max_new_tokens=30)),
    ("Once upon a time there was", make_params(temperature=0.8, top_k=40, top_p=0.9, seed=7,
                                               max_new_tokens=12)),
    ("Hi", make_params(temperature=0, repetition_penalty=1.3, max_new_tokens=20)),
    ("A much longer prompt about the weather in the mountains today",
     make_params(temperature=1.2, top_k=100, top_p=0.95, repetition_penalty=1.2, seed=99,
                 max_new_tokens=25)),
    ("Hello", make_params(temperature=0.9, top_k=0, top_p=0.8, seed=5, max_new_tokens=8)),
]


@pytest.fixture()
def engine(tiny_loaded):
    assert tiny_loaded.dtype == torch.float32  # the tolerance above is a float32 statement
    engine = Engine(tiny_loaded, max_active=8, max_queue=16)
    yield engine
    engine.close()


def _teacher_forced_solo(model, ids: list[int], tokens: list[int]) -> list[torch.Tensor]:
    """Logits after the prompt and after each forced token, with a private cache."""
    out = model(input_ids=torch.tensor([ids]), use_cache=True)
    logits = [out.logits[0, -1].float()]
    for token in tokens:
        out = model(input_ids=torch.tensor([[token]]), cache=out.cache, use_cache=True)
        logits.append(out.logits[0, -1].float())
    return logits


def _max_batched_vs_solo_diff(model, prompts, steps, joins) -> float:
    """Run prompts through one KVBatch, joining at ``joins`` and leaving after ``steps``."""
    gen = torch.Generator().manual_seed(0)
    vocab = model.config.vocab_size
    forced = [torch.randint(0, vocab, (n,), generator=gen).tolist() for n in steps]
    solo = [_teacher_forced_solo(model, p, t) for p, t in zip(prompts, forced, strict=True)]
    batch = KVBatch(model, torch.device("cpu"))
    rows: list[tuple[int, int]] = []  # (request, tokens fed so far)
    worst = 0.0
    for tick in range(max(joins) + max(steps) + 1):
        keep = [k for k, (i, n) in enumerate(rows) if n < steps[i]]
        batch.keep(keep)
        rows = [rows[k] for k in keep]
        joining = [i for i, join in enumerate(joins) if join == tick]
        if joining:  # newcomers of one step are prefilled together
            cache, logits = batch.prefill([prompts[i] for i in joining])
            batch.add(cache, [len(prompts[i]) for i in joining])
            for row, i in enumerate(joining):
                worst = max(worst, float((logits[row] - solo[i][0]).abs().max()))
                rows.append((i, 0))
        if not rows:
            continue
        logits = batch.decode([forced[i][n] for i, n in rows])
        rows = [(i, n + 1) for i, n in rows]
        for row, (i, n) in enumerate(rows):
            worst = max(worst, float((logits[row] - solo[i][n]).abs().max()))
    return worst


PROMPTS = [[1, 2, 3], list(range(10, 30)), [5], list(range(40, 47)), list(range(60, 72))]
STEPS = [12, 3, 20, 8, 6]
JOINS = [0, 0, 2, 2, 5]


@torch.inference_mode()
def test_batched_logits_match_solo_gpt2(tiny_loaded):
    assert can_batch(tiny_loaded.model)
    diff = _max_batched_vs_solo_diff(tiny_loaded.model, PROMPTS, STEPS, JOINS)
    assert diff < LOGIT_TOLERANCE


@torch.inference_mode()
def test_fp16_weight_batched_logits_match_solo(tiny_fp16_loaded):
    assert tiny_fp16_loaded.fp16_weights and can_batch(tiny_fp16_loaded.model)
    diff = _max_batched_vs_solo_diff(tiny_fp16_loaded.model, PROMPTS, STEPS, JOINS)
    assert diff < LOGIT_TOLERANCE


@torch.inference_mode()
def test_batched_logits_match_solo_with_sliding_window():
    """Gemma 3's hybrid cache (sliding + full layers), with a window shorter than the rows."""
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    torch.manual_seed(0)
    config = Gemma3TextConfig(vocab_size=512, hidden_size=64, intermediate_size=128,
                              num_hidden_layers=6, num_attention_heads=2, num_key_value_heads=1,
                              head_dim=32, sliding_window=8, max_position_embeddings=256)
    model = Gemma3ForCausalLM(config).eval()
    assert "sliding_attention" in config.layer_types and can_batch(model)
    diff = _max_batched_vs_solo_diff(model, PROMPTS, STEPS, JOINS)
    assert diff < LOGIT_TOLERANCE
    halve_linears(model)
    assert _max_batched_vs_solo_diff(model, PROMPTS, STEPS, JOINS) < LOGIT_TOLERANCE


def test_same_output_alone_and_batched(engine):
    alone = [engine.generate(prompt, params).token_ids for prompt, params in PROMPTS_AND_PARAMS]
    first = engine.submit(*PROMPTS_AND_PARAMS[0])
    stream = iter(first)
    next(stream)  # the first request is already decoding when the others join
    others = [engine.submit(prompt, params) for prompt, params in PROMPTS_AND_PARAMS[1:]]
    together = [first.result().token_ids] + [r.result().token_ids for r in others]
    assert together == alone


def test_newcomers_of_different_lengths_join_in_one_step_unchanged(engine):
    alone = [engine.generate(prompt, params).token_ids for prompt, params in PROMPTS_AND_PARAMS]
    groups: list[int] = []
    batch = engine._executor.batch
    prefill = batch.prefill
    batch.prefill = lambda prompts: (groups.append(len(prompts)), prefill(prompts))[1]
    with engine._wake:  # hold the worker so all of them arrive in the same step
        requests = [engine.submit(prompt, params) for prompt, params in PROMPTS_AND_PARAMS]
    assert [r.result().token_ids for r in requests] == alone
    assert 1 < len(groups) < len(PROMPTS_AND_PARAMS) + 1 and sum(groups) == len(requests)


@pytest.mark.parametrize("lengths", [[], [3], [3, 3, 3], [1, 100], [5, 13, 7, 8, 8, 8, 4, 12, 17],
                                     list(range(1, 40, 3)) * 2])
def test_prefill_groups_partition_and_beat_one_padded_forward(lengths):
    groups = prefill_groups(lengths)
    assert sorted(i for group in groups for i in group) == list(range(len(lengths)))
    spans = [(min(lengths[i] for i in g), max(lengths[i] for i in g)) for g in groups]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # neighbours by length

    def cost(parts):
        return sum(FORWARD_COST_TOKENS + len(p) * max(lengths[i] for i in p) for p in parts)

    if lengths:
        assert cost(groups) <= cost([list(range(len(lengths)))])
        assert cost(groups) <= cost([[i] for i in range(len(lengths))])
    if lengths == [1, 100]:
        assert len(groups) == 2  # padding 1 to 100 costs far more than a second forward


@torch.inference_mode()
def test_join_appends_every_prompt_once_with_its_solo_logits(tiny_loaded):
    model = tiny_loaded.model
    batch = KVBatch(model, torch.device("cpu"))
    joined = batch.join(PROMPTS)
    assert sorted(i for i, _ in joined) == list(range(len(PROMPTS))) and len(batch) == len(PROMPTS)
    for i, logits in joined:
        solo = _teacher_forced_solo(model, PROMPTS[i], [])[0]
        assert float((logits - solo).abs().max()) < LOGIT_TOLERANCE


def test_one_forward_per_step_for_all_requests(engine):
    sizes: list[int] = []
    decode = engine._executor.batch.decode
    engine._executor.batch.decode = lambda tokens, *rest: (sizes.append(len(tokens)),
                                                  decode(tokens, *rest))[1]
    with engine._wake:  # hold the worker so all four join in the same step
        requests = [engine.submit("Hello", make_params(seed=i, max_new_tokens=30))
                    for i in range(4)]
    for request in requests:
        request.result()
    assert max(sizes) == 4
    assert len(sizes) < 2 * 30  # not one forward per request per token


def test_short_request_does_not_wait_for_long_one(engine):
    long = engine.submit("Hi", make_params(temperature=0, max_new_tokens=100))
    stream = iter(long)
    next(stream)
    short = engine.submit("Hello", make_params(temperature=0, max_new_tokens=3))
    assert short.result().finish_reason == "length"
    assert long.completion is None  # still running
    assert long.result().finish_reason == "length"
    assert len(long.completion.token_ids) == 100


def test_cancel_frees_the_slot_within_one_step(engine):
    params = make_params(temperature=1.0, seed=3, max_new_tokens=100)
    neighbour = engine.submit("The dog", params)
    request = engine.submit("The cat", params)
    seen = 0
    after_cancel = 0
    for _ in request:
        if request.cancelled:
            after_cancel += 1
        seen += 1
        if seen == 3:
            request.cancel()
    assert request.completion.finish_reason == "cancelled"
    assert after_cancel <= 1
    assert neighbour.result().token_ids == engine.generate("The dog", params).token_ids


def test_consumer_that_stops_reading_leaves_the_batch(engine):
    keeps = engine.submit("Hi", make_params(max_new_tokens=100))
    request = engine.submit("Hello", make_params(max_new_tokens=100))
    for _ in request:
        break  # the abandoned generator is closed, which cancels the request
    done = threading.Event()
    threading.Thread(target=lambda: (request.result(), done.set()), daemon=True).start()
    assert done.wait(10)
    assert request.completion.finish_reason == "cancelled"
    assert keeps.result().finish_reason == "length"


def test_more_requests_than_slots_all_finish(tiny_loaded):
    engine = Engine(tiny_loaded, max_active=2, max_queue=16)
    try:
        requests = [engine.submit("Hi", make_params(seed=i, max_new_tokens=5 + i))
                    for i in range(6)]
        assert [len(r.result().token_ids) for r in requests] == [5 + i for i in range(6)]
        assert engine.stats()["running"] == 0
    finally:
        engine.close()


def test_fallback_without_batching_gives_the_same_text(tiny_loaded, engine, monkeypatch,
                                                       caplog):
    import lmdemo.engine.engine as engine_module

    monkeypatch.setattr(engine_module, "why_not_batched", lambda model: "a test says so")
    with caplog.at_level("WARNING", logger="lmdemo.engine.engine"):
        solo = Engine(tiny_loaded)
    try:
        # the fallback is logged once, with its reason
        assert [r.getMessage() for r in caplog.records] == [
            "Decoding one request at a time (one forward each per step): a test says so"]
        assert solo.stats()["batched"] == 0 and engine.stats()["batched"] == 1
        for prompt, params in PROMPTS_AND_PARAMS[:3]:
            assert solo.generate(prompt, params).token_ids == \
                engine.generate(prompt, params).token_ids
    finally:
        solo.close()


def test_row_distributions_match_the_one_row_rules():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(7, 3000, generator=gen) * 3
    logits[6, :10] = 5.0  # ties at the top-k boundary are kept
    seen = [torch.randint(0, 3000, (20,), generator=gen) for _ in range(7)]
    params = [
        make_params(temperature=0),
        make_params(temperature=0, repetition_penalty=1.5),
        make_params(temperature=0.7, top_k=0, top_p=0.9),
        make_params(temperature=1.0, top_k=20, top_p=1.0),
        make_params(temperature=1.3, top_k=50, top_p=0.8, repetition_penalty=1.2),
        make_params(temperature=0.5, top_k=0, top_p=1.0),
        make_params(temperature=1.0, top_k=4, top_p=0.99),
    ]
    batched = row_distributions(logits, params, seen)
    for i, p in enumerate(params):
        alone = next_token_distribution(logits[i], p, seen[i])
        assert torch.equal(alone > 0, batched[i] > 0)
        assert torch.allclose(alone, batched[i], atol=1e-6)
    generators = [None if p.greedy else torch.Generator().manual_seed(i)
                  for i, p in enumerate(params)]
    for draw, row, p in zip(sample_rows(logits, params, seen, generators), batched, params,
                            strict=True):
        assert row[draw.token] > 0 and draw.probability == pytest.approx(float(row[draw.token]))
        assert len(draw.alternatives) == min(5, int((row > 0).sum()))
        if p.greedy:
            assert draw.token == int(row.argmax())


@pytest.mark.slow
def test_gemma_same_output_alone_and_batched(bundled_loaded):
    """The real hybrid-cache model (sliding-window layers) is batched, not interleaved."""
    engine = Engine(bundled_loaded, max_active=4)
    try:
        assert engine.stats()["batched"] == 1
        cases = [("The capital of France is", make_params(temperature=0, max_new_tokens=12)),
                 ("Write a haiku about autumn:", make_params(temperature=0.8, seed=3,
                                                             max_new_tokens=10)),
                 ("1, 2, 3,", make_params(temperature=0, repetition_penalty=1.0,
                                          max_new_tokens=8))]
        alone = [engine.generate(prompt, params).token_ids for prompt, params in cases]
        requests = [engine.submit(prompt, params) for prompt, params in cases]
        assert [r.result().token_ids for r in requests] == alone
    finally:
        engine.close()


def test_fp16_weight_same_output_alone_and_batched(tiny_fp16_loaded):
    engine = Engine(tiny_fp16_loaded, max_active=8, max_queue=16)
    try:
        alone = [engine.generate(p, params).token_ids for p, params in PROMPTS_AND_PARAMS]
        requests = [engine.submit(p, params) for p, params in PROMPTS_AND_PARAMS]
        assert [r.result().token_ids for r in requests] == alone
    finally:
        engine.close()
