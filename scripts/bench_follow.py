"""What 40 followers of a class cost: delay from the teacher's change to each follower, and
the server's CPU and memory (issue 20, part 2).

    python scripts/bench_follow.py [--model gemma-3-270m] [--followers 40] [--rounds 30]

Starts ``python app.py`` on a free port (the bundled model by default) and waits until it
answers. Then, over HTTP, exactly as the pages do (lmdemo/ui/follow.py, assets/lmdemo.js):

- a teacher session opens a class (the page load of ``/?teach=1``);
- N followers each listen to ``/lmdemo/class/CODE/events``, as a follower's page does
  (``?follow=CODE``); each message holds the widgets' updates, which a page then hands to its
  widgets in the browser; here no browser draws them;
- each round the teacher runs the Tokenizer view on a new text (the model runs once, for the
  teacher) and then shares the view (``class_publish``, what the page posts after a change).
  The delay of one follower is from the moment the teacher sends that change until the
  follower has received the new text (with the teacher's results, sent before it).

The server's CPU time (user + system, from /proc via psutil) and resident memory are read
before the followers join, while 40 follow a class that does not change (idle), and over
the rounds. This client runs on the same machine, so its own CPU competes with the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lmdemo.bench.startup import free_port, launch_app  # noqa: E402

IDLE_S = 20.0  # how long the followers follow a class that does not change
ROUND_S = 1.5  # between the teacher's changes


class Server:
    """The app's address and the ids of the events the bench calls, from its /config."""

    def __init__(self, base: str, config: dict) -> None:
        self.base = base
        deps = config["dependencies"]
        by_api = {d.get("api_name"): d["id"] for d in deps if d.get("api_name")}
        self.start = by_api["class_start"]
        self.publish = by_api["class_publish"]
        run_button = next(c["id"] for c in config["components"]
                          if c.get("props", {}).get("elem_id") == "run-tokenize")
        self.tokenize = next(d["id"] for d in deps if [run_button, "click"] in d["targets"])


async def call(client, server: Server, fn: int, data: list, session: str,
               query: str = "") -> dict:
    """Run one event through Gradio's queue, as the page's client does; its output."""
    joined = await client.post(f"{server.base}/gradio_api/queue/join?{query}",
                               json={"data": data, "fn_index": fn, "session_hash": session,
                                     "event_data": None, "trigger_id": None})
    joined.raise_for_status()
    event = joined.json()["event_id"]
    async with client.stream("GET", f"{server.base}/gradio_api/queue/data",
                             params={"session_hash": session}) as stream:
        async for line in stream.aiter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("event_id") == event and message.get("msg") == "process_completed":
                if not message.get("success"):
                    raise RuntimeError(f"event {fn} failed: {message}")
                return message.get("output", {})
    raise RuntimeError(f"event {fn}: the stream ended early")


async def follower(client, server: Server, code: str, index: int, seen: dict,
                   stop: asyncio.Event) -> None:
    """Listen to the class's stream, as a follower's page does; note when each round's
    marker (the teacher's new text) arrived."""
    async with client.stream("GET", f"{server.base}/lmdemo/class/{code}/events",
                             timeout=None) as stream:
        async for line in stream.aiter_lines():
            if stop.is_set():
                return
            if not line.startswith("data:"):
                continue
            now = time.perf_counter()
            for marker in list(seen):
                if marker in line and index not in seen[marker]:
                    seen[marker][index] = now


async def change(client, server: Server, code: str, text: str) -> float:
    """The teacher runs the Tokenizer on ``text``, then shares the view; returns when the
    share was sent (perf_counter)."""
    await call(client, server, server.tokenize, [text], "bench-teacher", f"teach={code}")
    sent = time.perf_counter()
    await call(client, server, server.publish, [f"tab=tokenize&text={text.replace(' ', '+')}",
                                                ""], "bench-teacher", f"teach={code}")
    return sent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def bench(base: str, pid: int, followers: int, rounds: int) -> dict:
    import httpx
    import psutil

    proc = psutil.Process(pid)

    def cpu() -> float:
        times = proc.cpu_times()
        return times.user + times.system

    limits = httpx.Limits(max_connections=4 * followers + 20)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        server = Server(base, (await client.get(f"{base}/config")).json())
        opened = await call(client, server, server.start, [], "bench-teacher", "teach=1")
        info = json.loads(opened["data"][-1])
        code = info["code"]
        await asyncio.sleep(3)
        rss_before = proc.memory_info().rss
        started_cpu, started_t = cpu(), time.perf_counter()
        await asyncio.sleep(IDLE_S)
        alone = (cpu() - started_cpu) / (time.perf_counter() - started_t)
        teacher_cpu, teacher_t = cpu(), time.perf_counter()
        for r in range(rounds):  # the same changes with nobody following
            await change(client, server, code, f"Alone {r}")
            await asyncio.sleep(ROUND_S)
        teacher_only = (cpu() - teacher_cpu) / (time.perf_counter() - teacher_t)

        seen: dict[str, dict[int, float]] = {}
        stop = asyncio.Event()
        tasks = [asyncio.create_task(follower(client, server, code, i, seen, stop))
                 for i in range(followers)]
        await asyncio.sleep(3)  # everyone connected and has pulled once
        idle_cpu, idle_t = cpu(), time.perf_counter()
        await asyncio.sleep(IDLE_S)
        idle = (cpu() - idle_cpu) / (time.perf_counter() - idle_t)
        rss_idle = proc.memory_info().rss

        delays: list[float] = []
        missed = 0
        busy_cpu, busy_t = cpu(), time.perf_counter()
        for r in range(rounds):
            marker = f"Round {r} of the class bench"
            seen[marker] = {}
            sent = await change(client, server, code, marker)
            await asyncio.sleep(ROUND_S)
            arrived = seen.pop(marker)
            missed += followers - len(arrived)
            delays += [t - sent for t in arrived.values()]
        busy = (cpu() - busy_cpu) / (time.perf_counter() - busy_t)
        rss_busy = proc.memory_info().rss
        stop.set()
        await asyncio.sleep(1)
        for task in tasks:
            task.cancel()
    return {"followers": followers, "rounds": rounds, "delays": len(delays),
            "missed": missed,
            "median_ms": round(statistics.median(delays) * 1000),
            "p95_ms": round(percentile(delays, 0.95) * 1000),
            "max_ms": round(max(delays) * 1000),
            "cpu_alone_idle_pct": round(alone * 100, 1),
            "cpu_alone_changing_pct": round(teacher_only * 100, 1),
            "cpu_idle_pct": round(idle * 100, 1), "cpu_changing_pct": round(busy * 100, 1),
            "rss_before_mb": round(rss_before / 2**20),
            "rss_idle_mb": round(rss_idle / 2**20), "rss_changing_mb": round(rss_busy / 2**20)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="a model name or folder (default: "
                        "the bundled one)")
    parser.add_argument("--followers", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    port = free_port()
    proc = launch_app(args.model, None, port)
    try:
        result = asyncio.run(bench(f"http://127.0.0.1:{port}", proc.pid, args.followers,
                                   args.rounds))
    finally:
        proc.terminate()
        proc.wait(30)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
