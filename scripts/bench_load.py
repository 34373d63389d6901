"""Load: 32 and 64 concurrent ``gradio_client`` users, no failures and no cross-talk.

    python scripts/bench_load.py [--model gemma-3-270m] [--clients 32 64] [--new-tokens 16]

Starts ``python app.py`` on a loopback port. For each count N, N clients (each its own
``gradio_client.Client``, so its own session) submit one sampled ``/generate`` at once, each
with its own prompt and seed. Every request is first run alone, one at a time; the
concurrent answer must be identical to that one, or some state leaked between users
(cross-talk). Prints failures, mismatches, wall time and latency percentiles. Bounded: each
request has a timeout, and the run stops after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_clients import PROMPTS  # noqa: E402  (this folder is on sys.path)

from lmdemo.bench.startup import free_port, launch_app  # noqa: E402


def request_of(index: int, new_tokens: int) -> dict:
    """The request user ``index`` sends: its own prompt and seed, sampled (temperature 0.9)."""
    return {"text": f"{PROMPTS[index % len(PROMPTS)]} (user {index})", "temperature": 0.9,
            "top_k": 50, "top_p": 0.95, "max_new_tokens": new_tokens,
            "repetition_penalty": 1.0, "seed": 1000 + index, "stop": ""}


def ask(client, request: dict, timeout: float) -> str:
    """Run one /generate to the end and return its final text."""
    text = request["text"]
    rest = {k: v for k, v in request.items() if k != "text"}
    return client.submit(text, api_name="/generate", **rest).result(timeout=timeout)


def connect(url: str):
    """A client (its own session) that waits long enough for a busy server's config."""
    from gradio_client import Client

    return Client(url, verbose=False, httpx_kwargs={"timeout": 120})


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def concurrent_round(url: str, count: int, new_tokens: int, timeout: float) -> dict:
    """``count`` clients submit at once; returns answers, errors and latencies by index."""
    clients = [connect(url) for _ in range(count)]
    answers: dict[int, str] = {}
    errors: dict[int, str] = {}
    latency: dict[int, float] = {}
    gate = threading.Barrier(count)

    def user(index: int) -> None:
        gate.wait()
        start = time.perf_counter()
        try:
            answers[index] = ask(clients[index], request_of(index, new_tokens), timeout)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and printed
            errors[index] = f"{type(exc).__name__}: {exc}"
        latency[index] = time.perf_counter() - start

    threads = [threading.Thread(target=user, args=(i,)) for i in range(count)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 30)
    for client in clients:
        client.close()  # their heartbeats would load the server during the next round
    return {"answers": answers, "errors": errors, "latency": latency,
            "wall": time.perf_counter() - start}


def report(count: int, got: dict, solo: dict[int, str]) -> int:
    """Print one round's figures; return its faults (failures, cross-talk, missing answers)."""
    crossed = [i for i in got["answers"] if got["answers"][i] != solo[i]]
    missing = count - len(got["answers"]) - len(got["errors"])
    lat = list(got["latency"].values())
    print(f"{count} clients: {len(got['answers'])}/{count} answered, {len(got['errors'])} "
          f"failures, {missing} unfinished, {len(crossed)} differ from the same request run "
          f"alone; wall {got['wall']:.1f} s; latency p50 {percentile(lat, 0.5):.1f} s, p95 "
          f"{percentile(lat, 0.95):.1f} s, max {max(lat):.1f} s", flush=True)
    for index, error in sorted(got["errors"].items())[:5]:
        print(f"  user {index} failed: {error[:200]}")
    for index in crossed[:3]:
        print(f"  user {index}: {got['answers'][index]!r} vs alone {solo[index]!r}")
    return len(got["errors"]) + len(crossed) + missing


def main(argv: list[str] | None = None) -> int:
    """Run the solo references, then the rounds; print the figures; exit 1 on any fault."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--clients", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--new-tokens", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per request")
    parser.add_argument("--max-seconds", type=float, default=1500.0)
    args = parser.parse_args(argv)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + args.max_seconds
    proc = launch_app(args.model, None, port)
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; model {args.model}; "
          f"sampled /generate, {args.new_tokens} new tokens, one prompt and seed per user",
          flush=True)
    faults = 0
    try:
        # The references first, one request at a time, so each round is judged as it ends.
        alone = connect(url)
        started = time.perf_counter()
        solo = {index: ask(alone, request_of(index, args.new_tokens), args.timeout)
                for index in range(max(args.clients))}
        alone.close()
        print(f"{len(solo)} requests alone, one at a time: {time.perf_counter() - started:.1f} s",
              flush=True)
        for count in args.clients:
            if time.monotonic() > deadline:
                print(f"stopped at the {args.max_seconds:.0f} s bound")
                faults += 1
                break
            faults += report(count, concurrent_round(url, count, args.new_tokens,
                                                     args.timeout), solo)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
