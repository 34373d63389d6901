"""Soak: does the server's memory stay flat while many new sessions each make one call?

    python scripts/soak_sessions.py [--model gemma-3-270m] [--sessions 300] [--warm 40]

Starts ``python app.py`` on a loopback port (with ``LMDEMO_SESSION_CAPACITY`` as set in the
environment, else the config default), makes ``--warm`` calls from fresh sessions so the model,
the engine and the session store are warm, reads the server's resident memory (RSS), then makes
``--sessions`` calls, each from a fresh session (a new ``session_hash``: what a new browser tab
or a script is to Gradio), and reads RSS again. Prints the growth against the 1 % target.
Bounded: every call has a timeout and the whole run stops after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lmdemo.bench.startup import free_port, launch_app  # noqa: E402

TARGET_PERCENT = 1.0


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (psutil if installed, else /proc/<pid>/status)."""
    try:
        import psutil
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for process {pid}") from None
    return psutil.Process(pid).memory_info().rss


def settle_rss(pid: int, seconds: float = 3.0) -> int:
    """RSS after a short pause, so memory freed by finished requests is returned."""
    time.sleep(seconds)
    return rss_bytes(pid)


def one_session(client, index: int, endpoint: str) -> object:
    """One call from a brand-new session: a short greedy /generate, or a /tokenize."""
    client.reset_session()
    text = f"Session {index} says hello to"
    if endpoint == "tokenize":
        job = client.submit(text, api_name="/tokenize")
    else:
        job = client.submit(text, api_name="/generate", temperature=0.0, max_new_tokens=2,
                            seed=index)
    return job.result(timeout=120)


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print RSS before and after; exit 1 when over the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--warm", type=int, default=40,
                        help="fresh-session calls before the first reading")
    parser.add_argument("--endpoint", choices=("generate", "tokenize"), default="generate",
                        help="the one call each session makes (tokenize: no engine work)")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args(argv)
    from gradio_client import Client

    port = free_port()
    proc = launch_app(args.model, None, port)
    deadline = time.monotonic() + args.max_seconds
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        for i in range(args.warm):
            one_session(client, 100_000 + i, args.endpoint)
        before = settle_rss(proc.pid)
        made = 0
        started = time.perf_counter()
        for i in range(args.sessions):
            if time.monotonic() > deadline:
                print(f"stopped at the {args.max_seconds:.0f} s bound")
                break
            one_session(client, i, args.endpoint)
            made += 1
        seconds = time.perf_counter() - started
        after = settle_rss(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    growth = 100.0 * (after - before) / before
    capacity = os.environ.get("LMDEMO_SESSION_CAPACITY", "config default")
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; model {args.model}; "
          f"session capacity {capacity}; {args.warm} warm-up sessions")
    print(f"{made} new sessions, one /{args.endpoint} call each, in {seconds:.1f} s")
    print(f"server RSS: {before / 2**20:.1f} MiB before, {after / 2**20:.1f} MiB after; "
          f"growth {growth:+.2f} % ({(after - before) / 1024 / max(made, 1):.1f} KiB a session)"
          f"; target <= {TARGET_PERCENT:.0f} %: {'met' if growth <= TARGET_PERCENT else 'MISSED'}")
    return 0 if growth <= TARGET_PERCENT and made == args.sessions else 1


if __name__ == "__main__":
    sys.exit(main())
