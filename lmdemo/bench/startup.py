"""Time from ``python app.py`` to a server that answers, cold and warm.

Cold: an empty cache folder, so the bundled GGUF is assembled, de-quantized and saved.
Warm: the converted-weights cache is present. Run:

    python -m lmdemo.bench.startup [--model gemma-3-270m] [--runs 2] [--skip-cold]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_app(model: str | None, cache_dir: Path | None, port: int,
               timeout: float = 600.0) -> subprocess.Popen:
    """Start ``python app.py`` on ``port`` and return once it answers HTTP."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    if cache_dir is not None:
        env["LMDEMO_CACHE_DIR"] = str(cache_dir)
    cmd = [sys.executable, str(ROOT / "app.py"), "--port", str(port)]
    if model:
        cmd += ["--model", model]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as reply:
                if reply.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise TimeoutError(f"app did not answer within {timeout}s")


def time_start(model: str | None, cache_dir: Path) -> float:
    """Seconds until the app's HTTP server answers (the model loads before it listens)."""
    start = time.perf_counter()
    proc = launch_app(model, cache_dir, free_port())
    seconds = time.perf_counter() - start
    proc.terminate()
    proc.wait(timeout=30)
    return seconds


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
            print(f"cold start (empty cache): {time_start(args.model, Path(cold_dir)):.1f} s")
    time_start(args.model, warm_dir)  # make sure the warm cache exists
    for i in range(args.runs):
        print(f"warm start {i + 1} (cached weights): {time_start(args.model, warm_dir):.1f} s")


if __name__ == "__main__":
    main()
