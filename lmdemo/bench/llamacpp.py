"""One user, side by side: lmdemo's engine against llama.cpp on the same GGUF file.

    python -m lmdemo.bench.llamacpp [--rounds 5] [--threads 2] [--new-tokens 64]

Both decode the same prompts greedily from the bundled Gemma 3 270M GGUF
(``gemma-3-270m-q4_k_m.gguf``: lmdemo converts it to float32 and picks its weight format per
CPU, llama.cpp runs the Q4_K_M blocks as they are) with the same number of threads. Runs
alternate, lmdemo then llama.cpp, so a busy machine slows both alike; each round prints both
decoding rates (tokens after the first, per second: prefill excluded) and their ratio, and
the end compares the median ratio with the target of 0.8x. llama-cpp-python is optional;
without it the llama.cpp column is skipped with the command that installs it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

from ..config import default_cache_dir
from ..models import LoadedModel
from ..models.gguf_cache import bundled_gguf
from .models import load_bench_model
from .throughput import PROMPTS, run_fresh_engine

TARGET = 0.8  # lmdemo's tokens/s over llama.cpp's, one user (issue 13)
INSTALL = ('CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" '
           "pip install --no-cache-dir llama-cpp-python==0.3.36")


def open_llama(path: str, threads: int) -> object | None:
    """A llama.cpp model on ``path`` with ``threads`` threads, or None when not installed."""
    try:
        from llama_cpp import Llama
    except ImportError:
        return None
    return Llama(model_path=path, n_threads=threads, n_threads_batch=threads, n_ctx=512,
                 verbose=False)


def llama_decode(llm: object, prompt: str, new_tokens: int) -> float:
    """Greedy decoding rate of llama.cpp on ``prompt``: tokens after the first per second."""
    tokens = llm.tokenize(prompt.encode(), add_bos=True)  # type: ignore[attr-defined]
    llm.reset()  # type: ignore[attr-defined]
    eos = llm.token_eos()  # type: ignore[attr-defined]
    stamps = []
    for token in llm.generate(tokens, top_k=1, temp=0.0, repeat_penalty=1.0):  # type: ignore[attr-defined]
        stamps.append(time.perf_counter())
        if token == eos or len(stamps) == new_tokens:
            break
    return (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0


def _one_user(loaded: LoadedModel, ids: list[list[int]], new_tokens: int, fused: bool) -> float:
    """Median decoding rate of the prompts, one request at a time."""
    return statistics.median(run_fresh_engine(loaded, [prompt], new_tokens, fused).row()["stream"]
                             for prompt in ids)


def main(argv: list[str] | None = None) -> int:
    """Alternate lmdemo and llama.cpp on one request at a time; print rates and ratios."""
    parser = argparse.ArgumentParser(prog="python -m lmdemo.bench.llamacpp",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--prompts", type=int, default=3, help="prompts per round and side")
    parser.add_argument("--transformers-step", action="store_true",
                        help="also time lmdemo decoding through transformers' forward (the step "
                        "before the hand-written one), in the same rounds")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    path, _ = bundled_gguf(default_cache_dir())
    loaded = load_bench_model("gemma-3-270m", "auto")
    llm = open_llama(str(path), args.threads)
    load = os.getloadavg()
    print(f"{path.name}, {args.threads} threads, {args.new_tokens} greedy tokens, "
          f"{args.prompts} prompts a round; lmdemo {loaded.precision} "
          f"({loaded.formats.label if loaded.formats else 'fp32'}); load average {load[0]:.2f}")
    if loaded.formats is not None:
        print(f"  weight format: {loaded.formats.reason}; CPU {loaded.formats.cpu.summary}")
    if llm is None:
        print(f"llama.cpp column skipped: llama-cpp-python is not installed. Install it with\n"
              f"  {INSTALL}")
    texts = PROMPTS[: args.prompts]
    ids = [list(loaded.tokenizer(t)["input_ids"]) for t in texts]  # type: ignore[operator]
    if llm is not None:
        llama_decode(llm, texts[0], 4)  # warm-up
    mine, theirs, ratios, before = [], [], [], []
    extra = f" {'transformers step':>18}" if args.transformers_step else ""
    print(f"{'round':>5} {'lmdemo tok/s':>13}{extra} {'llama.cpp tok/s':>16} {'ratio':>7}")
    for r in range(args.rounds):
        mine.append(_one_user(loaded, ids, args.new_tokens, fused=True))
        line = f"{r + 1:>5} {mine[-1]:>13.1f}"
        if args.transformers_step:
            before.append(_one_user(loaded, ids, args.new_tokens, fused=False))
            line += f" {before[-1]:>18.1f}"
        if llm is not None:
            theirs.append(statistics.median(llama_decode(llm, t, args.new_tokens)
                                            for t in texts))
            ratios.append(mine[-1] / theirs[-1])
            line += f" {theirs[-1]:>16.1f} {ratios[-1]:>6.2f}x"
        print(line, flush=True)
    summary = f"median: lmdemo {statistics.median(mine):.1f} tok/s"
    if before:
        summary += f" (transformers' step {statistics.median(before):.1f})"
    if ratios:
        ratio = statistics.median(ratios)
        verdict = "meets" if ratio >= TARGET else "misses"
        summary += (f", llama.cpp {statistics.median(theirs):.1f} tok/s; ratio {ratio:.2f}x "
                    f"(rounds {min(ratios):.2f}-{max(ratios):.2f}x) {verdict} the target "
                    f">= {TARGET}x")
    load = os.getloadavg()
    print(f"{summary}; load average at end {load[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
