"""The engine runs a Llama (SmolLM2's family) through transformers' own forward: the fused
decode step is Gemma 3's alone, and the result must be what ``model.generate`` gives."""

from __future__ import annotations

import pytest
import torch

from lmdemo.config import AppConfig
from lmdemo.engine import Engine
from lmdemo.engine.batch import KVBatch
from lmdemo.models import ModelManager
from lmdemo.params import make_params

PROMPTS = ("The weather today", "Once upon a time there was", "A")
GREEDY = make_params(temperature=0.0, max_new_tokens=12, repetition_penalty=1.0)


@pytest.fixture(scope="module", params=["none", "fp16"])
def llama(request, tiny_chat_llama_dir, tmp_path_factory):
    """The tiny Llama loaded by path, in float32 and with float16-weight linear layers."""
    config = AppConfig(model=str(tiny_chat_llama_dir), cache_dir=tmp_path_factory.mktemp("cache"),
                       quantize=request.param)
    loaded = ModelManager(config).get()
    loaded.asked = request.param  # what the test asked for, to compare with what was done
    return loaded


def reference(loaded, ids: list[int]) -> list[int]:
    """Greedy tokens from transformers' generate, cut at the first end-of-text."""
    with torch.inference_mode():
        out = loaded.model.generate(torch.tensor([ids]), max_new_tokens=GREEDY.max_new_tokens,
                                    do_sample=False, attention_mask=torch.ones(1, len(ids),
                                                                               dtype=torch.long))
    tokens = out[0, len(ids):].tolist()
    eos = loaded.tokenizer.eos_token_id
    return tokens[:tokens.index(eos)] if eos in tokens else tokens


def test_llama_takes_transformers_forward_and_the_chosen_format(llama):
    assert type(llama.model).__name__ == "LlamaForCausalLM"
    assert KVBatch(llama.model, llama.device)._step is None  # no fused step for llama
    # the weight-format choice packs a Llama's linear layers as it does Gemma's
    expected = {"none": "float32", "fp16": "float16 weights, float32 compute"}
    assert llama.precision == expected[llama.asked]


def test_engine_greedy_equals_generate_alone_and_batched(llama):
    engine = Engine(llama)
    try:
        prompts = [llama.tokenizer(p)["input_ids"] for p in PROMPTS]
        expected = [reference(llama, ids) for ids in prompts]
        assert [engine.generate(ids, GREEDY).token_ids for ids in prompts] == expected
        together = [engine.submit(ids, GREEDY) for ids in prompts]
        assert [r.result().token_ids for r in together] == expected
    finally:
        engine.close()
