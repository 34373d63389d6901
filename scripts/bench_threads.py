"""Does torch work on a second thread slow the engine? (It does here: see README.)

    python scripts/bench_threads.py

Times the engine alone on one GPT-2-sized request three times, then alternates a
``model.generate`` run on the main thread with an engine run, printing tokens/s of each.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import time  # noqa: E402
import warnings  # noqa: E402

warnings.filterwarnings("ignore")
from lmdemo.bench.models import load_bench_model  # noqa: E402
from lmdemo.bench.throughput import _prompts, run_baseline  # noqa: E402
from lmdemo.engine import Engine  # noqa: E402
from lmdemo.params import make_params  # noqa: E402

loaded = load_bench_model("gpt2-random", "auto")
base = load_bench_model("gpt2-random", "fp32")
eng = Engine(loaded, max_active=32, max_queue=64)
params = make_params(temperature=0, repetition_penalty=1.0, max_new_tokens=64)


def c():
    t=time.perf_counter()
    tok=sum(len(r.result().token_ids) for r in [eng.submit(p, params) for p in _prompts(loaded, 1)])
    return round(tok/(time.perf_counter()-t),1)


print("c before a:", c(), c(), c())
for _ in range(3):
    a = run_baseline(base, _prompts(base,1), 64).row()["agg"]
    print("a", round(a,1), "c", c())
eng.close()
