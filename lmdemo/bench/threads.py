"""Does torch work on a second long-lived thread slow the engine? (Here it does: lmdemo.threads.)

    python -m lmdemo.bench.threads

Times the engine (its own worker thread) on one GPT-2-sized request three times; then
alternates a float32 ``model.generate`` run with an engine run, first with ``generate`` on a
short-lived thread (as lmdemo's benchmark runs it), then on the main thread, which keeps its
OpenMP team for the rest of the process. Prints the tokens/s of each.
"""

import sys
import time
import warnings

from ..engine import Engine
from ..threads import in_own_thread
from .models import load_bench_model
from .throughput import _prompts, run_baseline, run_engine

NEW_TOKENS = 64


def engine_rate(engine: Engine, loaded) -> float:
    """Tokens/s of one greedy request through the engine."""
    start = time.perf_counter()
    run = run_engine(engine, _prompts(loaded, 1), NEW_TOKENS)
    return sum(run.tokens) / (time.perf_counter() - start)


def _here(fn, *args):
    return fn(*args)


def main() -> int:
    warnings.filterwarnings("ignore")
    loaded = load_bench_model("gpt2-random", "auto")
    base = load_bench_model("gpt2-random", "fp32")
    engine = Engine(loaded, max_active=1, max_queue=4)
    try:
        alone = [engine_rate(engine, loaded) for _ in range(3)]
        print("engine alone:", "  ".join(f"{rate:.1f}" for rate in alone), "tokens/s")
        for where in ("a short-lived thread", "the main thread"):  # the main thread's team stays
            for _ in range(3):
                call = in_own_thread if where.startswith("a short") else _here
                baseline = call(run_baseline, base, _prompts(base, 1), NEW_TOKENS).row()["agg"]
                after = engine_rate(engine, loaded)
                print(f"model.generate on {where} {baseline:.1f}, then engine {after:.1f} "
                      "tokens/s")
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
