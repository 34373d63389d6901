"""The browser-level check: N concurrent ``gradio_client`` requests against the running app.

    python scripts/bench_clients.py [--model gemma-3-270m] [--clients 16] [--new-tokens 64]
    python scripts/bench_clients.py --greedy --new-tokens 32 --sequential   # issue 13's ratio

Starts ``python app.py`` on a free port, waits until it answers, then submits N streaming
``/generate`` requests at once, each with its own seed. Prints aggregate and per-stream
tokens/s and time to first token (p50, p95), counted from the moment all were submitted.
``--sequential`` then sends the same requests one after another and prints the speed-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lmdemo.bench.startup import free_port, launch_app  # noqa: E402

PROMPTS = (
    "The best way to learn a new language is",
    "Once upon a time, in a small village by the sea,",
    "Photosynthesis is the process by which",
    "The students asked the teacher why the sky is blue, and she said",
)


SPEEDUP_TARGET = 6.0  # issue 13: sixteen served at once vs the same sixteen one at a time


def _one(client, index: int, args, start: float, out: dict) -> None:
    job = client.submit(PROMPTS[index % len(PROMPTS)], api_name="/generate",
                        temperature=0.0 if args.greedy else 0.8, seed=index,
                        max_new_tokens=args.new_tokens, repetition_penalty=1.0, stop="")
    first = None
    for update in job:
        if first is None and update:
            first = time.perf_counter() - start
    out[index] = (first, time.perf_counter() - start, job.outputs()[-1] if job.outputs() else "")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> None:
    """Run the check and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--greedy", action="store_true", help="temperature 0 (default 0.8)")
    parser.add_argument("--sequential", action="store_true",
                        help="also run the same requests one after another on the same server "
                             "and print the speed-up against the 6x target (issue 13)")
    args = parser.parse_args(argv)
    from gradio_client import Client

    from lmdemo.config import AppConfig
    from lmdemo.models import ModelManager

    tokenizer = ModelManager(AppConfig(model=args.model)).get().tokenizer
    port = free_port()
    proc = launch_app(args.model, None, port)
    try:
        clients = [Client(f"http://127.0.0.1:{port}/", verbose=False)
                   for _ in range(args.clients)]
        results: dict[int, tuple] = {}
        start = time.perf_counter()
        threads = [threading.Thread(target=_one, args=(c, i, args, start, results))
                   for i, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if args.sequential:  # the same requests, one at a time, each from its own session
            one_by_one: dict[int, tuple] = {}
            started = time.perf_counter()
            for i, client in enumerate(clients):
                _one(client, i, args, time.perf_counter(), one_by_one)
            sequential_wall = time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    firsts = [r[0] for r in results.values() if r[0] is not None]
    tokens = [len(tokenizer(r[2], add_special_tokens=False)["input_ids"]) for r in results.values()]
    wall = max(r[1] for r in results.values())
    per_stream = [n / r[1] for n, r in zip(tokens, results.values(), strict=True) if r[1] > 0]
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; model {args.model}; "
          f"{args.clients} concurrent gradio_client /generate requests, "
          f"{args.new_tokens} new tokens each")
    print(f"completed: {len(results)}/{args.clients}; tokens: {sum(tokens)}; wall: {wall:.1f} s")
    print(f"aggregate tokens/s: {sum(tokens) / wall:.1f}; per stream (median): "
          f"{statistics.median(per_stream):.1f}")
    print(f"time to first token: p50 {percentile(firsts, 0.5):.2f} s, "
          f"p95 {percentile(firsts, 0.95):.2f} s")
    if args.sequential:
        ratio = sequential_wall / wall
        verdict = "meets" if ratio >= SPEEDUP_TARGET else "misses"
        same = sum(one_by_one[i][2] == results[i][2] for i in results)
        print(f"one after another: {sequential_wall:.1f} s; concurrent {wall:.1f} s; speed-up "
              f"{ratio:.2f}x {verdict} the target >= {SPEEDUP_TARGET:g}x; {same}/{len(results)} "
              "texts identical to the concurrent run; load average at end "
              f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
