"""Where one decoding step's time goes, on the live model and this CPU.

    python -m lmdemo.bench.profile [--model gemma-3-270m] [--rows 1] [--steps 64] [--threads 2]

The step is the engine's own batched decode (``KVBatch.decode``: the hand-written step of
``models/decode_step.py`` where it covers the model), ``--rows`` requests wide, after a short
prompt. It prints one table: the output head, the linear layers of the blocks, and everything
else (attention, norms, RoPE, casts, Python dispatch), each in ms per step and as a share,
then how many operator calls one step makes and how many of them are casts
(``aten::to``/``aten::_to_copy``). The step and the head are timed with plain clocks (a CPU
runs them synchronously); the products' time comes from a quarter as many steps again under
``torch.profiler`` (long calls, so its overhead hardly counts there), less the head; "rest"
is the step less both. ``--transformers`` profiles transformers' own forward instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from ..engine.batch import KVBatch
from ..models import LoadedModel
from ..models.formats import cpu_info
from ..threads import in_own_thread
from .models import MODELS, PRECISIONS, load_bench_model
from .throughput import PROMPTS

CASTS = ("aten::to", "aten::_to_copy")
# the operators that multiply by a weight matrix (FBGEMM's float16 and int8 kernels, MKL's)
PRODUCTS = ("quantized::linear_dynamic_fp16", "quantized::linear_dynamic",
            "aten::_weight_int8pack_mm", "aten::mm", "aten::addmm")


@dataclass
class StepProfile:
    """Per-step averages of one profiled decode run."""

    rows: int
    step_ms: float
    head_ms: float
    linear_ms: float
    ops: int  # operator calls in one step
    casts: int  # of which casts

    @property
    def rest_ms(self) -> float:
        """Attention, norms, RoPE, casts and dispatch: the step less its products."""
        return max(self.step_ms - self.head_ms - self.linear_ms, 0.0)

    def table(self) -> str:
        """The per-part table, one line per part."""
        lines = [f"{'part of one step':<44}{'ms':>8}{'share':>8}"]
        for label, ms in (("LM head", self.head_ms), ("linear layers of the blocks",
                                                      self.linear_ms),
                          ("everything else (attention, norms, RoPE, casts, Python)",
                           self.rest_ms)):
            lines.append(f"{label[:44]:<44}{ms:>8.2f}{ms / self.step_ms:>8.0%}")
        lines.append(f"{'whole step':<44}{self.step_ms:>8.2f}{1:>8.0%}")
        lines.append(f"operator calls per step: {self.ops} ({self.casts} casts)"
                     f"; {1000 / self.step_ms * self.rows:.1f} tokens/s at {self.rows} rows")
        return "\n".join(lines)


class _Timers:
    """Accumulates wall time spent inside chosen modules."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._started: dict[int, float] = {}
        self._handles: list = []

    def watch(self, module: nn.Module, label: str) -> None:
        def before(mod: nn.Module, _args: object) -> None:
            self._started[id(mod)] = time.perf_counter()

        def after(mod: nn.Module, _args: object, _out: object) -> None:
            spent = time.perf_counter() - self._started.pop(id(mod))
            self.seconds[label] = self.seconds.get(label, 0.0) + spent

        self._handles += [module.register_forward_pre_hook(before),
                          module.register_forward_hook(after)]

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()


def head_module(loaded: LoadedModel) -> nn.Module:
    """The module that makes the logits (the engine may call it directly)."""
    return loaded.model.get_output_embeddings()


@contextmanager
def timed_head(loaded: LoadedModel) -> Iterator[_Timers]:
    """A timer around the head, removed afterwards."""
    timers = _Timers()
    timers.watch(head_module(loaded), "head")
    try:
        yield timers
    finally:
        timers.remove()


def _batch(loaded: LoadedModel, rows: int, fused: bool) -> tuple[KVBatch, list[int]]:
    batch = KVBatch(loaded.model, loaded.device, fused=fused)
    prompts = [loaded.tokenizer(PROMPTS[i % len(PROMPTS)])["input_ids"] for i in range(rows)]
    tokens = [int(logits.argmax()) for _, logits in batch.join(prompts)]
    return batch, tokens


def profile_steps(loaded: LoadedModel, rows: int = 1, steps: int = 64,
                  fused: bool = True) -> StepProfile:
    """Decode ``steps`` greedy steps of ``rows`` rows and split their time into parts
    (``fused``: the engine's hand-written step where it has one)."""
    return in_own_thread(_profile, loaded, rows, steps, fused)


@torch.inference_mode()
def _profile(loaded: LoadedModel, rows: int, steps: int, fused: bool) -> StepProfile:
    batch, tokens = _batch(loaded, rows, fused)
    for _ in range(4):  # warm-up: first calls pack and allocate
        tokens = batch.decode(tokens).argmax(-1).tolist()
    walls, head = [], []
    with timed_head(loaded) as timers:
        for _ in range(steps):
            timers.seconds.clear()
            started = time.perf_counter()
            tokens = batch.decode(tokens).argmax(-1).tolist()
            walls.append(time.perf_counter() - started)
            head.append(timers.seconds.get("head", 0.0))
    # products (head included) from the profiler: long calls, so its overhead hardly counts
    profiled = max(4, steps // 4)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(profiled):
            tokens = batch.decode(tokens).argmax(-1).tolist()
    events = prof.key_averages()
    ops = sum(e.count for e in events) // profiled
    casts = sum(e.count for e in events if e.key in CASTS) // profiled
    products = sum(e.self_cpu_time_total for e in events if e.key in PRODUCTS) / profiled / 1e3
    middle = sorted(range(steps), key=lambda i: walls[i])[steps // 4: steps - steps // 4]
    step_ms, head_ms = (1000 * statistics.mean(series[i] for i in middle)
                        for series in (walls, head))
    return StepProfile(rows, step_ms, head_ms, max(products - head_ms, 0.0), ops, casts)


def main(argv: list[str] | None = None) -> int:
    """Profile the decode step at each ``--rows`` and print the table."""
    parser = argparse.ArgumentParser(prog="python -m lmdemo.bench.profile",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=MODELS, default="gemma-3-270m")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto")
    parser.add_argument("--rows", default="1", help="batch widths, e.g. 1,16")
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--threads", type=int, default=0, help="0: torch's default")
    parser.add_argument("--transformers", action="store_true",
                        help="profile transformers' forward, not the hand-written step")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    loaded = load_bench_model(args.model, args.precision)
    load = os.getloadavg()
    print(f"{args.model} ({loaded.precision}) on {cpu_info().summary}; torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads; load {load[0]:.2f}")
    if loaded.formats is not None:
        print(f"weight format {loaded.formats.label}: {loaded.formats.reason}")
    for rows in (int(r) for r in args.rows.split(",")):
        path = "transformers' forward" if args.transformers else "the engine's step"
        print(f"\n{rows} row(s), {path}, middle half of {args.steps} steps:")
        print(profile_steps(loaded, rows, args.steps, not args.transformers).table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
