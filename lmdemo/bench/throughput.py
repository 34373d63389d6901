"""How many students can one CPU serve? Throughput and time-to-first-token under concurrency.

    python -m lmdemo.bench.throughput [--quick] [--model tiny|gpt2-random|gemma-3-270m]

On the same model and prompts, for 1, 4, 16 and 32 concurrent requests of 64 new tokens:
  (a) baseline: ``model.generate`` one request at a time, in float32;
  (b) transformers' continuous batching, ``model.generate_batch``;
  (c) lmdemo's engine (continuous batching over a padded KV cache).
(c) runs in the precision the app picks (``--precision auto``: float16 weights, float32
compute on an x86 CPU). (b) runs in float32 and, when (c) does not, again in (c)'s
precision, so c/b compares the schedulers on the same weights and c/b32 compares with what
transformers offers as is.
All requests arrive at t=0; TTFT counts from then, so it includes queueing. Decoding is
greedy and stops at EOS or 64 tokens; rates count the tokens actually produced.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass

import torch

from ..engine import Engine
from ..models import LoadedModel, decode_attention
from ..models.formats import Int8Linear
from ..models.fp16 import Fp16Linear
from ..params import make_params
from ..threads import in_own_thread
from .models import MODELS, PRECISIONS, load_bench_model

PROMPTS = [
    "The capital of France is",
    "Once upon a time, in a small village by the sea,",
    "Photosynthesis is the process by which",
    "Write a short poem about the moon:",
    "The three laws of motion were described by",
    "In computer science, a hash table is",
    "My favourite food is",
    "Translate to French: Good morning, how are you?",
    "The students in the classroom asked the teacher why the sky is blue, and she said",
    "A large language model predicts",
    "def fibonacci(n):",
    "The weather today is",
]
BASELINE_MEASURED = 4  # (a) is sequential: more requests only repeat the same work


@dataclass
class Run:
    """One method at one concurrency: per-request token counts and times (seconds from t=0)."""

    tokens: list[int]
    first: list[float]  # time of each request's first token
    last: list[float]  # time of each request's last token
    extrapolated: bool = False

    @property
    def wall(self) -> float:
        return max(self.last)

    def row(self) -> dict[str, float]:
        ttft = sorted(self.first)
        streams = [(n - 1) / (b - a) for n, a, b in zip(self.tokens, self.first, self.last,
                                                       strict=True) if n > 1 and b > a]
        return {
            "agg": sum(self.tokens) / self.wall,
            "stream": statistics.median(streams) if streams else 0.0,
            "p50": _percentile(ttft, 0.50),
            "p95": _percentile(ttft, 0.95),
        }


def _median_row(runs: list[Run]) -> dict[str, float]:
    """Each figure's median over repeated runs."""
    rows = [run.row() for run in runs]
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


def _percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _prompts(loaded: LoadedModel, n: int) -> list[list[int]]:
    tokenizer = loaded.tokenizer
    out = []
    for i in range(n):
        ids = list(tokenizer(PROMPTS[i % len(PROMPTS)])["input_ids"])  # type: ignore[operator]
        out.append(ids)
    return out


# ---- (a) model.generate, one at a time ---------------------------------------------------
class _FirstToken:
    """A transformers streamer that only notes when the first new token appears."""

    def __init__(self) -> None:
        self.calls = 0
        self.at: float | None = None

    def put(self, value: torch.Tensor) -> None:
        self.calls += 1
        if self.calls == 2 and self.at is None:  # the first call carries the prompt
            self.at = time.perf_counter()

    def end(self) -> None:
        pass


@torch.inference_mode()
def run_baseline(loaded: LoadedModel, prompts: list[list[int]], new_tokens: int) -> Run:
    """Serve the prompts one after another; beyond a few, repeat measured durations."""
    model, pad = loaded.model, loaded.tokenizer.pad_token_id  # type: ignore[attr-defined]
    durations = []
    for ids in prompts[:BASELINE_MEASURED]:
        streamer = _FirstToken()
        start = time.perf_counter()
        out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids)),
                             max_new_tokens=new_tokens, do_sample=False, pad_token_id=pad,
                             streamer=streamer)
        end = time.perf_counter()
        durations.append((out.shape[1] - len(ids), (streamer.at or end) - start, end - start))
    run, clock = Run([], [], []), 0.0
    for i in range(len(prompts)):
        n, ttft, total = durations[i % len(durations)]
        run.tokens.append(n)
        run.first.append(clock + ttft)
        run.last.append(clock + total)
        clock += total
    run.extrapolated = len(prompts) > BASELINE_MEASURED
    return run


# ---- (b) transformers' continuous batching -------------------------------------------------
@torch.inference_mode()
def run_generate_batch(loaded: LoadedModel, prompts: list[list[int]], new_tokens: int) -> Run:
    """``model.generate_batch`` with a KV cache sized for this workload.

    Left to itself it sizes the paged cache from free memory (90% of RAM on a CPU: ~15 s of
    setup and gigabytes), so the number of pages is given explicitly.
    """
    from transformers import ContinuousBatchingConfig, GenerationConfig

    model = loaded.model
    attn = model.config._attn_implementation
    if attn == decode_attention.NAME:  # generate_batch takes only transformers' own kinds
        model.set_attn_implementation("sdpa")
    longest = max(len(p) for p in prompts) + new_tokens
    page = 64
    pages_per_request = -(-longest // page)
    cb = ContinuousBatchingConfig(page_size=page, num_blocks=len(prompts) * pages_per_request + 8,
                                  max_batch_tokens=max(512, sum(len(p) for p in prompts)),
                                  allow_block_sharing=False)
    eos = loaded.model.generation_config.eos_token_id
    config = GenerationConfig(max_new_tokens=new_tokens, do_sample=False,
                              eos_token_id=eos if eos is not None else -1,
                              pad_token_id=loaded.tokenizer.pad_token_id)  # type: ignore[attr-defined]
    start = time.perf_counter()
    results = model.generate_batch(prompts, generation_config=config,
                                   continuous_batching_config=cb, max_new_tokens=new_tokens,
                                   record_timestamps=True, warmup=False)
    if model.config._attn_implementation != attn:  # leave the model as (c) expects it
        model.set_attn_implementation(attn)
    run = Run([], [], [])
    for result in results.values():
        stamps = result.timestamps or [time.perf_counter()]
        run.tokens.append(len(result.generated_tokens))
        run.first.append(stamps[0] - start)
        run.last.append(stamps[-1] - start)
    return run


# ---- (c) lmdemo's engine ---------------------------------------------------------------
def run_fresh_engine(loaded: LoadedModel, prompts: list[list[int]], new_tokens: int,
                     fused: bool = True) -> Run:
    """Start an engine, warm it up, run the prompts and close it (``fused``: with the
    hand-written decode step where it covers the model, else transformers' forward).

    Closing ends the engine's worker thread and its OpenMP team, so (a) and (b) never run
    beside an idle engine's threads, which would slow them (see lmdemo.threads).
    """
    engine = Engine(loaded, max_active=max(16, len(prompts)), max_queue=max(64, len(prompts)),
                    fused=fused)
    try:
        run_engine(engine, _prompts(loaded, 2), 4)  # warm-up: first-call allocations
        return run_engine(engine, prompts, new_tokens)
    finally:
        engine.close()


def run_engine(engine: Engine, prompts: list[list[int]], new_tokens: int) -> Run:
    """Submit every prompt at once and wait for all of them."""
    params = make_params(temperature=0, repetition_penalty=1.0, max_new_tokens=new_tokens)
    start = time.perf_counter()
    requests = [engine.submit(ids, params) for ids in prompts]
    run = Run([], [], [])
    for request in requests:
        done = request.result()
        offset = request.submitted - start
        run.tokens.append(len(done.token_ids))
        run.first.append(offset + (done.first_token_seconds or done.seconds))
        run.last.append(offset + done.seconds)
    return run


def run_engine_one_by_one(loaded: LoadedModel, prompts: list[list[int]], new_tokens: int
                          ) -> float:
    """Seconds for one engine to serve ``prompts`` one after another (each waits for the last)."""
    engine = Engine(loaded, max_active=16, max_queue=64)
    try:
        run_engine(engine, _prompts(loaded, 2), 4)  # warm-up, as in run_fresh_engine
        start = time.perf_counter()
        for ids in prompts:
            run_engine(engine, [ids], new_tokens)
        return time.perf_counter() - start
    finally:
        engine.close()


# ---- memory bandwidth --------------------------------------------------------------------
def measure_bandwidth(megabytes: int = 256, repeats: int = 5) -> float:
    """Bytes per second moved by a large tensor copy (read + write), best of ``repeats``."""
    src = torch.ones(megabytes * 2**20 // 4)
    dst = torch.empty_like(src)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        dst.copy_(src)
        best = min(best, time.perf_counter() - start)
    return 2 * src.numel() * 4 / best


def weight_bytes_per_token(model: torch.nn.Module) -> int:
    """Bytes of weights one decoding step reads (tied embeddings are read once, as the head)."""
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    total += sum(m.weight_bytes for m in model.modules()
                 if isinstance(m, (Fp16Linear, Int8Linear)))
    embedding = model.get_input_embeddings().weight
    if getattr(model.get_output_embeddings(), "weight", None) is not embedding:
        total -= embedding.numel() * embedding.element_size()  # untied: one row is read
    for name, p in model.named_parameters():  # position tables: only one row is read
        if name.endswith(("wpe.weight", "embed_positions.weight")):
            total -= p.numel() * p.element_size()
    return total


# ---- report ------------------------------------------------------------------------------
def _fmt_row(label: str, n: int, r: dict[str, float], star: bool, extra: str = "") -> str:
    mark = "*" if star else " "
    return (f"{n:>4} {label:<18}{mark}{r['agg']:>9.1f} {r['stream']:>9.1f} "
            f"{r['p50']:>8.2f} {r['p95']:>8.2f}  {extra}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one table."""
    parser = argparse.ArgumentParser(prog="python -m lmdemo.bench.throughput",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=MODELS, default="gpt2-random")
    parser.add_argument("--quick", action="store_true",
                        help="tiny model, fewer tokens: a smoke run of well under a minute")
    parser.add_argument("--precision", default="auto", choices=PRECISIONS,
                        help="precision of (c) and of the second (b); (a) is always fp32")
    parser.add_argument("--concurrency", default="1,4,16,32")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--skip", default="", help="methods to skip, e.g. 'b' or 'ab'")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of (a) and (c) for one request alone (median shown)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch intra-op threads (0: torch's default, one per core)")
    parser.add_argument("--no-targets", action="store_true",
                        help="skip the target checks (16 concurrent against one by one; "
                        "one user against llama.cpp)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.quick:
        args.model = "tiny" if args.model == "gpt2-random" else args.model
    levels = [int(x) for x in args.concurrency.split(",")]
    new_tokens = args.new_tokens

    base = load_bench_model(args.model, "fp32")
    base.model.set_attn_implementation("sdpa")  # (a) and (b) run transformers as it ships
    loaded = load_bench_model(args.model, args.precision)
    load = os.getloadavg()
    print(f"model {args.model}: {base.num_parameters / 1e6:.1f}M parameters; engine precision "
          f"{loaded.precision}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; load average {load[0]:.2f} {load[1]:.2f}")
    if loaded.formats is not None:
        print(f"weight format {loaded.formats.label} on {loaded.formats.cpu.summary}: "
              f"{loaded.formats.reason}")
    print(f"{new_tokens} new tokens per request, greedy; one request alone runs (a) and (c) "
          f"{args.repeats} times, alternating, and shows the median")
    print(f"{'conc':>4} {'method':<19}{'agg tok/s':>9} {'stream':>9} {'TTFT p50':>8} "
          f"{'TTFT p95':>8}")
    same = loaded.precision == base.precision  # then (b) runs once, as shipped
    tag = "" if same else " " + ("fp16w" if loaded.fp16_weights else loaded.dtype_name)

    alone: dict[str, float] = {}
    for n in levels:
        prompts = _prompts(loaded, n)
        repeats = args.repeats if n == 1 else 1
        rows: dict[str, dict[str, float]] = {}
        runs: dict[str, list[Run]] = {"a": [], "c": []}
        for _ in range(repeats):  # alternate, so drift in the machine hits both alike
            if "a" not in args.skip:
                # on a short-lived thread, like (b) and (c): see lmdemo.threads
                runs["a"].append(in_own_thread(run_baseline, base, prompts, new_tokens))
            runs["c"].append(run_fresh_engine(loaded, prompts, new_tokens))
        if runs["a"]:
            rows["a"] = _median_row(runs["a"])
            print(_fmt_row("(a) generate", n, rows["a"], runs["a"][0].extrapolated), flush=True)
        if "b" not in args.skip:
            rows["b32"] = run_generate_batch(base, prompts, new_tokens).row()
            print(_fmt_row("(b) generate_batch", n, rows["b32"], False), flush=True)
            rows["b"] = rows["b32"]
            if not same:
                rows["b"] = run_generate_batch(loaded, prompts, new_tokens).row()
                print(_fmt_row(f"(b) gen_batch{tag}", n, rows["b"], False), flush=True)
        rows["c"] = _median_row(runs["c"])
        ratios = ("a", "b") if same else ("a", "b", "b32")
        extra = "  ".join(f"c/{k} {rows['c']['agg'] / rows[k]['agg']:.2f}x"
                          for k in ratios if k in rows)
        print(_fmt_row(f"(c) lmdemo{tag}", n, rows["c"], False, extra), flush=True)
        if n == 1:
            alone = {k: rows[k]["agg"] for k in ("a", "c") if k in rows}
    bandwidth = in_own_thread(measure_bandwidth)
    print(f"memory bandwidth (256 MB copy, read+write): {bandwidth / 1e9:.1f} GB/s")
    for key, model in (("a", base), ("c", loaded)):
        if key in alone:
            print(f"one request, ({key}): {_bandwidth_note(model, alone[key], bandwidth)}")
    if not args.no_targets:
        print_targets(loaded, args.model, new_tokens, args.repeats)
    load = os.getloadavg()
    print(f"* sequential: measured on {BASELINE_MEASURED} requests, later ones queued behind "
          f"them with the same durations. load average at end {load[0]:.2f} {load[1]:.2f}")
    return 0


CONCURRENT_TARGET = 6.0  # 16 concurrent requests against the same 16 one by one (issue 13)


def print_targets(loaded: LoadedModel, model: str, new_tokens: int, repeats: int) -> None:
    """Each target of issue 13 against its figure, measured side by side here."""
    from .llamacpp import INSTALL, TARGET, llama_decode, open_llama

    prompts = _prompts(loaded, 16)
    ratios = []
    for _ in range(max(1, repeats - 1)):  # alternate: concurrent, then one by one
        together = run_fresh_engine(loaded, prompts, new_tokens).wall
        ratios.append(in_own_thread(run_engine_one_by_one, loaded, prompts, new_tokens)
                      / together)
    ratio = statistics.median(ratios)
    print(f"target: 16 concurrent >= {CONCURRENT_TARGET:.0f}x one by one (engine level; the "
          f"served figure: scripts/bench_clients.py): {ratio:.2f}x "
          f"({', '.join(f'{r:.2f}' for r in ratios)}) "
          f"{'met' if ratio >= CONCURRENT_TARGET else 'missed'}")
    if model != "gemma-3-270m":
        print("target: one user >= 0.8x llama.cpp: needs --model gemma-3-270m")
        return
    from ..config import default_cache_dir
    from ..models.gguf_cache import bundled_gguf

    llm = open_llama(str(bundled_gguf(default_cache_dir())[0]), torch.get_num_threads())
    if llm is None:
        print(f"target: one user >= {TARGET}x llama.cpp: skipped, llama-cpp-python is not "
              f"installed ({INSTALL})")
        return
    mine, theirs = [], []
    for _ in range(repeats):  # alternate
        mine.append(run_fresh_engine(loaded, prompts[:1], new_tokens).row()["stream"])
        theirs.append(llama_decode(llm, PROMPTS[0], new_tokens))
    ratio = statistics.median(m / t for m, t in zip(mine, theirs, strict=True))
    print(f"target: one user >= {TARGET}x llama.cpp ({torch.get_num_threads()} threads, same "
          f"GGUF): lmdemo {statistics.median(mine):.1f} tok/s, llama.cpp "
          f"{statistics.median(theirs):.1f} tok/s: {ratio:.2f}x "
          f"{'met' if ratio >= TARGET else 'missed'}")


def _bandwidth_note(loaded: LoadedModel, tokens_per_second: float, bandwidth: float) -> str:
    """Fraction of the copy bandwidth that reading the weights once per token would use."""
    per_token = weight_bytes_per_token(loaded.model)
    used = per_token * tokens_per_second
    return f"weights {per_token / 1e6:.0f} MB/token -> {used / 1e9:.1f} GB/s = " \
           f"{used / bandwidth:.0%} of copy bandwidth"


if __name__ == "__main__":
    sys.exit(main())
