"""Decoding-step time with transformers' SDPA attention against lmdemo's one-token path.

    python -m lmdemo.bench.attention [--model gpt2-random|gemma-3-270m|tiny] [--rows 1,16,32]

For each batch size, prefill the benchmark prompts into one KVBatch, then time 30 decoding
steps with each attention implementation, alternating twice, and print the median ms per
step and the largest logit difference between the two.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch

from ..engine.batch import KVBatch
from ..models.decode_attention import NAME
from ..threads import in_own_thread
from .models import MODELS, load_bench_model
from .throughput import _prompts

STEPS = 30


def _steps(loaded, rows: int) -> tuple[float, torch.Tensor]:
    """Seconds per decoding step at ``rows`` rows, and the logits of the last step."""
    batch = KVBatch(loaded.model, loaded.device)
    batch.join(_prompts(loaded, rows))
    tokens = [1] * rows
    for _ in range(3):  # warm-up
        batch.decode(tokens)
    start = time.perf_counter()
    for _ in range(STEPS):
        logits = batch.decode(tokens)
    return (time.perf_counter() - start) / STEPS, logits


def _compare(loaded, rows: int) -> str:
    times: dict[str, list[float]] = {"sdpa": [], NAME: []}
    last: dict[str, torch.Tensor] = {}
    for _ in range(2):
        for kind in times:
            loaded.model.set_attn_implementation(kind)
            seconds, last[kind] = _steps(loaded, rows)
            times[kind].append(seconds)
    sdpa, ours = (statistics.median(times[k]) * 1e3 for k in times)
    diff = float((last["sdpa"] - last[NAME]).abs().max())
    return (f"{rows:>4} rows: sdpa {sdpa:6.1f} ms/step, {NAME} {ours:6.1f} ms/step "
            f"({sdpa / ours:.2f}x); max logit difference {diff:.1e}")


def main(argv: list[str] | None = None) -> int:
    """Print one line per batch size."""
    parser = argparse.ArgumentParser(prog="python -m lmdemo.bench.attention",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=MODELS, default="gpt2-random")
    parser.add_argument("--rows", default="1,16,32")
    args = parser.parse_args(argv)
    loaded = load_bench_model(args.model)
    print(f"model {args.model} ({loaded.precision}), {torch.get_num_threads()} threads")

    def run() -> None:  # on one thread, like the engine's worker
        with torch.inference_mode():
            for rows in (int(r) for r in args.rows.split(",")):
                print(_compare(loaded, rows), flush=True)

    in_own_thread(run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
