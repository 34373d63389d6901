"""How fast could decoding be on this machine? Compute and memory floors for one step.

    python -m lmdemo.bench.roofline [--model gpt2-random|gemma-3-270m|tiny]

A decoding step for B rows multiplies every linear weight by B vectors (2 FLOP per weight
per row) and reads every weight once. The script measures this machine's float32 matrix
product rate and copy bandwidth, then prints, for B = 1, 16 and 32, the time no schedule can
beat — the larger of compute time and weight-reading time — and the tokens/s that implies.
Attention, norms and sampling come on top, so real steps are slower.
"""

from __future__ import annotations

import argparse
import sys
import time

import torch
from torch import nn

from ..models.fp16 import linear_layers
from .models import MODELS, load_bench_model
from .throughput import measure_bandwidth


def matmul_rate(size: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of a float32 ``size``-cubed matrix product, best of ``repeats``."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def linear_weights(model: nn.Module) -> int:
    """Number of weights in linear layers (GPT-2's Conv1D included), shared ones counted once."""
    weights = {weight.data_ptr(): weight.numel() for _, _, weight, _ in linear_layers(model)}
    return sum(weights.values())


def main(argv: list[str] | None = None) -> int:
    """Measure the machine and print the floors."""
    parser = argparse.ArgumentParser(prog="python -m lmdemo.bench.roofline",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=MODELS, default="gpt2-random")
    args = parser.parse_args(argv)
    weights = linear_weights(load_bench_model(args.model, "fp32").model)
    rate, bandwidth = matmul_rate(), measure_bandwidth()
    print(f"{torch.get_num_threads()} threads: float32 matrix product {rate / 1e9:.0f} GFLOP/s; "
          f"copy bandwidth {bandwidth / 1e9:.1f} GB/s")
    print(f"model {args.model}: {weights / 1e6:.1f}M linear weights")
    for rows in (1, 16, 32):
        compute = 2 * weights * rows / rate
        for label, size in (("float32", 4), ("float16 weights", 2)):
            memory = weights * size / bandwidth
            floor = max(compute, memory)
            print(f"  {rows:>2} rows, {label:<15}: compute {compute * 1e3:6.1f} ms, "
                  f"weights {memory * 1e3:5.1f} ms -> step >= {floor * 1e3:6.1f} ms, "
                  f"<= {rows / floor:6.0f} tokens/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
