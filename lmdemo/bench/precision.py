"""Does a lower precision change what the model says? Greedy outputs against float32.

    python -m lmdemo.bench.precision [--model gemma-3-270m|gpt2-random|tiny] [--precision fp16]

For each benchmark prompt, both precisions decode 64 greedy tokens through lmdemo's engine,
and the script reports whether the texts are identical and, if not, where they part. It then
feeds float32's continuation to both models (teacher forcing) and counts the positions where
the top token differs, with float32's margin between its first and second choice there: a
change at a near tie is what rounding explains; a change at a wide margin would be a defect.
The float32 reference runs transformers' own SDPA attention; the other side runs what the
app runs, lmdemo's one-token attention included (lmdemo/models/decode_attention.py).
"""

from __future__ import annotations

import argparse
import sys

import torch

from ..engine import Engine
from ..engine.batch import KVBatch
from ..engine.head import ROWS_TIMED, CandidateHead, RowNeed, build_head, candidate_head
from ..models import LoadedModel
from ..params import make_params
from .models import MODELS, PRECISIONS, load_bench_model
from .throughput import PROMPTS

TARGET = 0.995  # teacher-forced top-1 agreement with float32 (issue 13)


def greedy(loaded: LoadedModel, prompts: list[list[int]], new_tokens: int) -> list[list[int]]:
    """Greedy continuations of every prompt, decoded together by the engine."""
    params = make_params(temperature=0, repetition_penalty=1.0, max_new_tokens=new_tokens)
    engine = Engine(loaded, max_active=len(prompts), max_queue=len(prompts))
    try:
        requests = [engine.submit(ids, params) for ids in prompts]
        return [request.result().token_ids for request in requests]
    finally:
        engine.close()


@torch.inference_mode()
def teacher_forced(reference: LoadedModel, other: LoadedModel, prompt: list[int],
                   continuation: list[int]) -> tuple[int, list[float], float]:
    """(positions compared, float32 margins where the top tokens differ, max |logprob diff|)."""
    ids = torch.tensor([prompt + continuation])
    positions = slice(len(prompt) - 1, ids.shape[1] - 1)
    ref = torch.log_softmax(reference.model(ids).logits[0, positions].float(), -1)
    low = torch.log_softmax(other.model(ids).logits[0, positions].float(), -1)
    differ = (ref.argmax(-1) != low.argmax(-1)).nonzero().flatten().tolist()
    top2 = ref.topk(2, dim=-1).values
    margins = [float(top2[i, 0] - top2[i, 1]) for i in differ]
    return ref.shape[0], margins, float((ref - low).abs().max())


@torch.inference_mode()
def engine_forced(reference: LoadedModel, other: LoadedModel, prompt: list[int],
                  continuation: list[int], candidates: CandidateHead | None) -> tuple[int, int]:
    """(positions compared, top-1 differences) of the engine's own decode path (the fused
    step, and the int8 candidate head when given) fed ``continuation`` one token a step,
    against float32 transformers on the same positions."""
    ids = torch.tensor([prompt + continuation])
    ref = reference.model(ids).logits[0, len(prompt) - 1 : -1].argmax(-1).tolist()
    batch = KVBatch(other.model, other.device)
    if candidates is not None:
        batch._candidates = candidates
    tops = [int(batch.join([prompt])[0][1].argmax())]
    for token in continuation[:-1]:
        tops.append(int(batch.decode([token], [RowNeed()])[0].argmax()))
    return len(ref), sum(a != b for a, b in zip(ref, tops, strict=True))


def main(argv: list[str] | None = None) -> int:
    """Compare one precision against float32 and print a report."""
    parser = argparse.ArgumentParser(prog="python -m lmdemo.bench.precision",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=MODELS, default="gemma-3-270m")
    parser.add_argument("--precision", choices=[p for p in PRECISIONS if p != "fp32"],
                        default="auto", help="auto: the format the app picks on this CPU")
    parser.add_argument("--new-tokens", type=int, default=64)
    args = parser.parse_args(argv)

    base = load_bench_model(args.model, "fp32")
    base.model.set_attn_implementation("sdpa")  # the reference: transformers as it ships
    other = load_bench_model(args.model, args.precision)
    tokenizer = base.tokenizer
    prompts = [tokenizer.encode(p) for p in PROMPTS]  # type: ignore[attr-defined]
    print(f"model {args.model}: float32 against {other.precision}; {len(prompts)} prompts, "
          f"{args.new_tokens} greedy tokens each")
    ref_out = greedy(base, prompts, args.new_tokens)
    low_out = greedy(other, prompts, args.new_tokens)
    same, compared, margins, worst = 0, 0, [], 0.0
    for text, prompt, a, b in zip(PROMPTS, prompts, ref_out, low_out, strict=True):
        pairs = zip(a, b, strict=False)
        agree = next((i for i, (x, y) in enumerate(pairs) if x != y), min(len(a), len(b)))
        identical = a == b
        same += identical
        where = "identical" if identical else f"parts at token {agree + 1}"
        print(f"  {text[:40]!r:<44} {where}")
        n, diffs, diff = teacher_forced(base, other, prompt, a)
        compared, worst = compared + n, max(worst, diff)
        margins += diffs
    print(f"identical greedy texts: {same}/{len(prompts)}")
    agreement = 1 - len(margins) / compared
    print(f"teacher-forced top-1 agreement: {agreement:.2%} of {compared} "
          f"positions; max |log-prob difference| {worst:.3f}")
    print(f"target: >= {TARGET:.1%} top-1 agreement with float32 for {other.precision}: "
          f"{agreement:.2%} {'met' if agreement >= TARGET else 'missed'}")
    if margins:
        shown = ", ".join(f"{m:.3f}" for m in sorted(margins))
        print(f"float32's top-1 vs top-2 log-prob margin where they differ: {shown}")
    # the engine's decode path itself: the fused step, then the int8 candidate head (forced on
    # here even where this CPU's timing leaves it off, to measure what it would change)
    cheap = candidate_head(other.model)
    if cheap is None and other.model.config.model_type != "gpt2":
        cheap = build_head(other.model)
    if cheap is not None:
        cheap.rows_cheap = frozenset(ROWS_TIMED)
    for label, head in (("engine step", None), ("engine step, int8 candidates", cheap)):
        if label.endswith("candidates") and head is None:
            continue
        counts = [engine_forced(base, other, prompt, a, head)
                  for prompt, a in zip(prompts, ref_out, strict=True)]
        n, wrong = sum(c[0] for c in counts), sum(c[1] for c in counts)
        print(f"teacher-forced top-1 agreement, {label}: {1 - wrong / n:.2%} of {n} positions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
