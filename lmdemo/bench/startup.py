"""Time from ``python app.py`` to a page that answers, and to the first generation.

The server binds its port first and loads the model in the background, so a start has two
times: until ``GET /`` answers (the page shows the load's progress), and until a first
``/generate`` call returns text (the model is ready). Cold: an empty cache folder, so the
bundled GGUF is assembled, de-quantized and saved; the log's "Model load:" lines give when
each step began. Warm: the converted-weights cache is present. Run:

    python -m lmdemo.bench.startup [--model gemma-3-270m] [--runs 2] [--skip-cold]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE_POLL_S = 0.2  # between tries while the port is closed (a refused connection is cheap)
MODEL_POLL_S = 1.0  # between /generate tries while the model loads (each is a full request)
# "2026-12-07 10:00:01,234 INFO lmdemo.models.progress: Model load: converting, ... (3.1 s)"
STEP_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*?"
                       r"(?:Model load: (.*) \(|(Ready) in )")


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class StartTiming:
    """One start: seconds until the page answered, until the first generation, and when
    each load step began (seconds, what), as the app's log said."""

    page_s: float
    ready_s: float
    steps: tuple[tuple[float, str], ...] = ()


def start_app(model: str | None, cache_dir: Path | None, port: int,
              log_file: Path | None = None) -> subprocess.Popen:
    """Start ``python app.py`` on ``port`` (its log into ``log_file``, if given)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    if cache_dir is not None:
        env["LMDEMO_CACHE_DIR"] = str(cache_dir)
    cmd = [sys.executable, str(ROOT / "app.py"), "--port", str(port)]
    if model:
        cmd += ["--model", model]
    err = log_file.open("w") if log_file else subprocess.DEVNULL
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)


def wait_page(proc: subprocess.Popen, port: int, deadline: float) -> None:
    """Return once ``GET /`` answers 200."""
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(PAGE_POLL_S)
    raise TimeoutError("the app's page did not answer in time")


def wait_generation(proc: subprocess.Popen, port: int, deadline: float) -> str:
    """Call ``/generate`` until the model has loaded and it returns text; return the text."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with code {proc.returncode}")
        try:
            return client.predict("The capital of France is", api_name="/generate",
                                  temperature=0, max_new_tokens=4)
        except AppError as exc:
            if "still loading" not in str(exc):
                raise
            time.sleep(MODEL_POLL_S)
    raise TimeoutError("the model did not become ready in time")


def launch_app(model: str | None, cache_dir: Path | None, port: int,
               timeout: float = 600.0) -> subprocess.Popen:
    """Start ``python app.py`` on ``port`` and return once its model answers a generation."""
    deadline = time.perf_counter() + timeout
    proc = start_app(model, cache_dir, port)
    try:
        wait_page(proc, port, deadline)
        wait_generation(proc, port, deadline)
    except BaseException:
        proc.terminate()
        raise
    return proc


def load_steps(log_file: Path, launched: float) -> tuple[tuple[float, str], ...]:
    """(seconds after ``launched`` (a time.time()), step) for each "Model load:" log line."""
    steps = []
    for line in log_file.read_text(errors="replace").splitlines():
        found = STEP_LINE.match(line)
        if found:
            at = datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            steps.append((at - launched, found[2] or "ready"))
    return tuple(steps)


def time_start(model: str | None, cache_dir: Path, timeout: float = 900.0) -> StartTiming:
    """Time one start: until the page answers, and until the first generation."""
    with tempfile.TemporaryDirectory() as tmp:
        log_file = Path(tmp) / "app.log"
        launched, start = time.time(), time.perf_counter()
        deadline = start + timeout
        port = free_port()
        proc = start_app(model, cache_dir, port, log_file)
        try:
            wait_page(proc, port, deadline)
            page_s = time.perf_counter() - start
            wait_generation(proc, port, deadline)
            ready_s = time.perf_counter() - start
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        return StartTiming(page_s, ready_s, load_steps(log_file, launched))


def show(name: str, timing: StartTiming) -> None:
    """Print one start's times, and its load steps."""
    print(f"{name}: page answers in {timing.page_s:.1f} s, first generation in "
          f"{timing.ready_s:.1f} s")
    for at, what in timing.steps:
        print(f"    {at:6.1f} s  {what}")


def main(argv: list[str] | None = None) -> None:
    """Print cold and warm start times."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="default: the app's own default choice")
    parser.add_argument("--runs", type=int, default=2, help="warm starts to time")
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs; model: {args.model or 'default (offline fallback)'}")
    warm_dir = Path(os.environ.get("LMDEMO_CACHE_DIR", Path.home() / ".cache" / "lmdemo"))
    if not args.skip_cold:
        with tempfile.TemporaryDirectory() as cold_dir:
            show("cold start (empty cache)", time_start(args.model, Path(cold_dir)))
    if args.runs:
        time_start(args.model, warm_dir)  # make sure the warm cache exists
    for i in range(args.runs):
        show(f"warm start {i + 1} (cached weights)", time_start(args.model, warm_dir))


if __name__ == "__main__":
    main()
