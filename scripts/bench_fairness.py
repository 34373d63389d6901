"""Does one visitor stall the rest? A new session's short request under load, on loopback.

    python scripts/bench_fairness.py [--model gemma-3-270m] [--long 16] [--timeout 900]

Starts ``python app.py`` on a free loopback port, then times a new session's 8-token
``/generate`` through ``gradio_client`` in each scenario and prints it against its target:

- alone (the reference);
- while ``--long`` long generations stream from one session;
- while they stream from ``--long`` sessions, one each;
- while they arrive as raw API streams (``/gradio_api/call/generate``, no client library);
- sent one second after a 19,500-character ``/summarize`` request;
- the same on a busy server (the long generations from many sessions running too).

Everything is bounded: ``--long`` streams of at most ``--long-tokens`` tokens, cancelled
after each scenario (raw streams are read to their end), and the whole run stops after
``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lmdemo.bench import startup  # noqa: E402
from lmdemo.bench.startup import free_port, launch_app  # noqa: E402

TARGET_SECONDS = 3.0
SHORT = dict(prompt="The capital of France is", temperature=0.0, max_new_tokens=8,
             repetition_penalty=1.0, stop="")
LONG_PROMPT = "Write a long story about a lighthouse keeper and the sea. Once upon a time,"
SUMMARY_CHARS = 19_500
SENTENCE = ("The council met on Tuesday to discuss the new library, the state of the roads, "
            "the budget for the coming year and a plan to plant trees along the river. ")


def long_params(tokens: int, seed: int) -> dict:
    """A long sampled generation that does not stop early."""
    return dict(prompt=LONG_PROMPT, temperature=0.9, seed=seed, max_new_tokens=tokens,
                repetition_penalty=1.0, stop="")


class Server:
    """The app under test, and clients for it."""

    def __init__(self, url: str):
        self.url = url

    def client(self):
        """A new gradio_client Client: a new session."""
        from gradio_client import Client

        return Client(self.url, verbose=False)

    def timed_short(self) -> float:
        """Seconds for a new session's 8-token /generate, from submit to the last update."""
        client = self.client()
        start = time.perf_counter()
        client.predict(**SHORT, api_name="/generate")
        return time.perf_counter() - start

    def raw_stream(self, params: dict, started: threading.Event) -> None:
        """One raw API stream: POST the call, then read its event stream to the end."""
        info = self._api_order()
        body = json.dumps({"data": [params.get(name, default) for name, default in info]})
        request = urllib.request.Request(f"{self.url}gradio_api/call/generate",
                                         data=body.encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            event_id = json.load(reply)["event_id"]
        with urllib.request.urlopen(f"{self.url}gradio_api/call/generate/{event_id}",
                                    timeout=600) as stream:
            for line in stream:
                if line.startswith(b"event: generating"):
                    started.set()
                if line.startswith((b"event: complete", b"event: error")):
                    break
        started.set()

    _order: list[tuple[str, object]] | None = None

    def _api_order(self) -> list[tuple[str, object]]:
        """/generate's parameters in order, with their defaults (what a raw caller sends)."""
        if Server._order is None:
            api = self.client().view_api(print_info=False, return_format="dict")
            parameters = api["named_endpoints"]["/generate"]["parameters"]
            Server._order = [(p["parameter_name"], p.get("parameter_default"))
                             for p in parameters]
        return Server._order


def start_long(server: Server, count: int, tokens: int, sessions: int) -> list:
    """``count`` long streaming /generate jobs spread over ``sessions`` clients; returns
    once every one has streamed a token."""
    clients = [server.client() for _ in range(sessions)]
    jobs = [clients[i % sessions].submit(**long_params(tokens, i), api_name="/generate")
            for i in range(count)]
    _wait_streaming(jobs)
    return jobs


def _wait_streaming(jobs: list, timeout: float = 240.0) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if all(job.outputs() or job.done() for job in jobs):
            return
        time.sleep(0.2)
    raise TimeoutError("the long generations did not start streaming in time")


def stop(jobs: list) -> None:
    """Cancel the long jobs and give the server a moment to free their slots."""
    for job in jobs:
        job.cancel()
    time.sleep(3)


def report(name: str, seconds: float, alone: float | None = None,
           target: float = TARGET_SECONDS) -> None:
    """One line: the figure, whether it meets its target, and how it compares with the same
    request alone just before (the ratio is what a busy shared machine leaves meaningful)."""
    if alone is None:
        print(f"{name:<58} {seconds:6.2f} s", flush=True)
        return
    verdict = "ok" if seconds <= target else "OVER TARGET"
    print(f"{name:<58} {seconds:6.2f} s (target <= {target:.0f} s: {verdict}; "
          f"{seconds / alone:.1f}x the {alone:.2f} s it took alone just before)", flush=True)


def after_summary(server: Server) -> float:
    """A 19,500-character /summarize, then a new session's short request one second later."""
    article = (SENTENCE * (SUMMARY_CHARS // len(SENTENCE) + 1))[:SUMMARY_CHARS]
    summary = server.client().submit(text=article, api_name="/summarize")
    time.sleep(1.0)
    seconds = server.timed_short()
    stop([summary])  # its own time is not the figure; a loaded machine may take minutes
    return seconds


def run(server: Server, args: argparse.Namespace) -> None:
    """Every scenario in turn, one line each, each after a fresh 'alone' reference."""
    server.timed_short()  # warm up: first-call costs are not what is measured
    if "summary" in args.only:
        alone = server.timed_short()
        report("alone", alone)
        report("one second after a 19,500-character summary", after_summary(server), alone)
        jobs = start_long(server, args.long, args.long_tokens, sessions=args.long)
        report("the same on a busy server", after_summary(server), alone)
        stop(jobs)
    if "slots" in args.only:
        slots(server, args)
    if "raw" in args.only:
        raw(server, args)


def slots(server: Server, args: argparse.Namespace) -> None:
    """A newcomer while long generations stream from one session, then from many."""
    for sessions in (1, args.long):
        alone = server.timed_short()
        report("alone", alone)
        jobs = start_long(server, args.long, args.long_tokens, sessions=sessions)
        where = "one session" if sessions == 1 else f"{sessions} sessions"
        report(f"while {args.long} long generations stream from {where}",
               server.timed_short(), alone)
        stop(jobs)


def raw(server: Server, args: argparse.Namespace) -> None:
    """A newcomer while raw API streams (no client library, no session hash) hold the slots."""
    alone = server.timed_short()
    report("alone", alone)
    started = [threading.Event() for _ in range(args.long)]
    raws = [threading.Thread(target=server.raw_stream,
                             args=(long_params(args.raw_tokens, i), started[i]),
                             daemon=True) for i in range(args.long)]
    for thread in raws:
        thread.start()
    for event in started:
        event.wait(240)
    report(f"while {args.long} raw API streams hold the slots", server.timed_short(), alone)
    for thread in raws:
        thread.join(600)


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run every scenario under one time limit."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--long", type=int, default=16, help="long generations per scenario")
    parser.add_argument("--long-tokens", type=int, default=400)
    parser.add_argument("--raw-tokens", type=int, default=60,
                        help="raw streams cannot be cancelled: they run to this length")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds for the run")
    parser.add_argument("--only", nargs="+", choices=("summary", "slots", "raw"),
                        default=["summary", "slots", "raw"], help="scenarios to run")
    parser.add_argument("--app-root", type=Path, default=None,
                        help="serve another checkout's app.py (e.g. the code before a change)")
    args = parser.parse_args(argv)
    if args.app_root is not None:
        startup.ROOT = args.app_root.resolve()  # launch_app runs ROOT/app.py
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; model {args.model}; "
          f"app {startup.ROOT}", flush=True)
    started = time.perf_counter()
    port = free_port()
    proc = launch_app(args.model, None, port)
    try:
        print(f"app ready in {time.perf_counter() - started:.0f} s", flush=True)
        server = Server(f"http://127.0.0.1:{port}/")
        worker = threading.Thread(target=run, args=(server, args), daemon=True)
        worker.start()
        worker.join(max(1.0, args.timeout - (time.perf_counter() - started)))
        if worker.is_alive():
            print(f"stopped after {args.timeout:.0f} s", flush=True)
            raise SystemExit(1)
    finally:
        proc.terminate()  # the app and every stream it still serves end here
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
