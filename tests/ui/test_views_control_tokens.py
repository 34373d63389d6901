"""Control tokens (<pad>, <start_of_image>, <unused12>…) are never sampled, streamed or shown.

The tiny GPT-2 has no control token but its end-of-text, so a copy gets a few added tokens
and a final layer norm rigged so that, unmasked, <start_of_image> wins every step by far,
<pad> comes second and the ordinary added token <td> third. Masked, <td> must win.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lmdemo.config import AppConfig
from lmdemo.engine import Engine
from lmdemo.engine.sampling import banned_ids, control_token_ids, mask_banned, sample_rows
from lmdemo.inspection import api_next_token, distribution, sample_token, step
from lmdemo.models.forward import next_token_logits
from lmdemo.params import make_params
from lmdemo.runtime import Runtime

# Added token -> the logit weight it gets on the rigged hidden unit (higher wins).
RIGGED = {"<start_of_image>": 1.0, "<pad>": 0.9, "<td>": 0.8}
SCENE = "Our class visited the science museum yesterday, and the most interesting thing we saw was"


@pytest.fixture(scope="module")
def control_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny GPT-2 plus <start_of_image> (added, not flagged special, as in a GGUF-converted
    Gemma), <pad> (flagged special) and <td> (added, ordinary text), rigged to prefer them."""
    from transformers import AutoTokenizer, GPT2LMHeadModel

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.add_tokens(["<start_of_image>", "<td>"])
    tokenizer.add_special_tokens({"pad_token": "<pad>"})
    model = GPT2LMHeadModel.from_pretrained(tiny_model_dir)
    model.resize_token_embeddings(len(tokenizer))
    with torch.no_grad():
        # Hidden unit 0 leaves the final layer norm as a constant 50; the embeddings (tied to
        # the output layer) of the added tokens read only that unit.
        model.transformer.ln_f.weight[0] = 0.0
        model.transformer.ln_f.bias[0] = 50.0
        for text, weight in RIGGED.items():
            row = model.transformer.wte.weight[tokenizer.convert_tokens_to_ids(text)]
            row.zero_()
            row[0] = weight
    out = tmp_path_factory.mktemp("control") / "tiny-control"
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def control_runtime(control_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    runtime = Runtime(AppConfig(model=str(control_dir), quantize="none",
                                cache_dir=tmp_path_factory.mktemp("control-cache")))
    yield runtime
    runtime.close()


def ids_of(tokenizer, *texts: str) -> set[int]:
    return {tokenizer.convert_tokens_to_ids(text) for text in texts}


def test_unmasked_the_rigged_model_prefers_the_control_token(control_runtime):
    loaded = control_runtime.loaded
    logits = next_token_logits(loaded, loaded.tokenizer("The cat")["input_ids"])
    assert int(logits.argmax()) == loaded.tokenizer.convert_tokens_to_ids("<start_of_image>")


def test_control_ids_come_from_the_tokenizer(control_runtime):
    tokenizer = control_runtime.tokenizer
    found = control_token_ids(tokenizer)
    assert ids_of(tokenizer, "<start_of_image>", "<pad>", "<|endoftext|>") <= found
    assert not ids_of(tokenizer, "<td>", "Hello", "Ġworld") & found
    banned = banned_ids(tokenizer, len(tokenizer) + 3, keep={tokenizer.eos_token_id})
    assert tokenizer.eos_token_id not in banned.tolist()  # the end of the text stays allowed
    assert set(range(len(tokenizer), len(tokenizer) + 3)) <= set(banned.tolist())  # padding rows


@pytest.mark.parametrize(
    ("text", "control"),
    [
        ("<start_of_image>", True), ("<end_of_image>", True), ("<image_soft_token>", True),
        ("<unused0>", True), ("<unused6241>", True), ("<mask>", True), ("<|im_start|>", True),
        ("[multimodal]", True), ("<end_of_turn>", True),
        ("<table>", False), ("</td>", False), ("<h1>", False), ("<s>", False),
        ("<b>", False), ("<0xE4>", False), ("[...]", False), ("\n\n", False),
    ],
)
def test_added_tokens_that_look_like_control(tiny_model_dir, text, control):
    """Gemma keeps HTML tags and whitespace runs as ordinary added tokens: they stay text."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.add_tokens([text])
    assert (tokenizer.convert_tokens_to_ids(text) in control_token_ids(tokenizer)) is control


def test_masked_logits_are_never_drawn_nor_listed():
    logits = torch.tensor([[9.0, 1.0, 8.0, 0.5, 0.0]] * 2)
    banned = torch.tensor([0, 2])
    params = [make_params(temperature=0), make_params(temperature=1.5, top_k=0, seed=3)]
    generators = [None, torch.Generator().manual_seed(3)]
    for _ in range(20):
        for draw in sample_rows(logits, params, [torch.tensor([], dtype=torch.long)] * 2,
                                generators, 5, banned):
            assert draw.token not in (0, 2)
            assert {t for t, _ in draw.alternatives} <= {1, 3, 4}
    assert mask_banned(logits, None) is logits


@pytest.mark.parametrize(
    "params",
    [make_params(temperature=0, max_new_tokens=12),
     make_params(temperature=1.0, top_k=0, top_p=1.0, seed=5, max_new_tokens=12),
     make_params(temperature=2.0, top_k=3, top_p=0.9, seed=9, max_new_tokens=12)],
    ids=["greedy", "sampled", "filtered"],
)
def test_engine_never_samples_a_control_token(control_runtime, params):
    loaded = control_runtime.loaded
    banned = control_token_ids(loaded.tokenizer) - {loaded.tokenizer.eos_token_id}
    engine = Engine(loaded, max_active=4)
    try:
        done = engine.generate("The cat", params)
    finally:
        engine.close()
    assert done.token_ids and not set(done.token_ids) & banned
    assert "<start_of_image>" not in done.text and "<pad>" not in done.text
    for event in done.events:
        assert not {token for token, _ in event.alternatives} & banned
    if params.greedy:  # the best token that is text: the rigged <td>
        assert done.text.startswith("<td>")


def test_next_token_view_offers_no_control_token(control_runtime):
    tokenizer = control_runtime.tokenizer
    banned = control_token_ids(tokenizer) - {tokenizer.eos_token_id}
    state = step(control_runtime, "The cat")
    for top_k in (0, 2):
        dist = distribution(control_runtime, state["logits"], 1.0, top_k, 1.0, 10)
        shown = {c["id"] for c in dist["candidates"]}
        assert shown and not shown & banned
        assert dist["candidates"][0]["token"] == "<td>"
    listed = api_next_token(control_runtime, "The cat", 1.0, 0, 1.0, 10)
    assert "<start_of_image>" not in {c["token"] for c in listed} | {""}
    assert listed[0]["token"] == "<td>"
    for seed in range(5):
        assert sample_token(control_runtime, state, 1.5, 0, 1.0, seed) not in banned


@pytest.mark.slow
def test_gemma_story_has_no_control_token(bundled_loaded):
    """The issue's prompt with the Generate tab's defaults: no <start_of_image> in the text."""
    from lmdemo.tasks import get_task

    defaults = get_task("generate").defaults
    tokenizer = bundled_loaded.tokenizer
    banned = control_token_ids(tokenizer) - {tokenizer.eos_token_id}
    assert tokenizer.convert_tokens_to_ids("<start_of_image>") in banned
    engine = Engine(bundled_loaded, max_active=8)
    try:
        requests = [engine.submit(SCENE, make_params(**{**defaults, "seed": seed}))
                    for seed in (42, *range(7))]
        done = [r.result() for r in requests]
    finally:
        engine.close()
    for completion in done:
        assert not set(completion.token_ids) & banned, completion.text
        assert "<start_of_image>" not in completion.text and "<unused" not in completion.text
