"""A cheap output head that picks candidates, and exact logits for the candidates it picks.

Gemma's output head is a 262,144 x 640 matrix: in float16 it is 335 MB read every step, a
third or more of a decoding step on a CPU. FBGEMM's dynamic int8 product
(``torch.ao.nn.quantized.dynamic.Linear``, per-row weight scales) reads half the bytes, but
rounds: on its own it agreed with float32 on top-1 85 % of the time (FACTS.md). So it only
*picks*: its ``FIRST`` best tokens per row (and every token the repetition penalty will
touch) get exact float32 logits from their rows of the float32 embedding, and every other
token keeps its int8 estimate.

Greedy rows check their pick. Each estimate has a proven error bound: with ``w`` a row of
the weight, ``q`` its int8 rounding and ``h`` the hidden state, whose own rounding moves each
entry by at most half its quantisation step ``s``,
``|w.h - q.h'| <= |w - q|_2 |h|_2 + |q|_1 s/2``. That worst case is loose (on the bundled
Gemma the largest error seen over 21 M estimates was 0.149 of it, the mean 0.02), so a
greedy row takes ``ALLOWANCE`` of it: its pick stands when the best exact candidate beats
every other token's estimate plus its allowance, and the candidates grow (x4) otherwise.
Sampled rows need the probability left outside the candidates, estimated from the int8
logits at the row's temperature, to be under ``TAIL_MASS``; they grow to ``MOST`` otherwise. A
row that still falls short there, or that asks for exact probabilities (the
generation view, the bias probe), gets the full exact head. The repetition penalty only
lowers logits, and every id it touches is a candidate, so it sees exact values too.

Whether the int8 head is used at all is measured at start-up per batch size (``choose``),
because on some CPUs FBGEMM's int8 kernel is no faster than its float16 one at one row.
"""

from __future__ import annotations

import functools
import logging
import math
import time
import warnings
import weakref
from dataclasses import dataclass

import torch
from torch import nn

from ..models.fp16 import Fp16Linear
from .sampling import apply_repetition_penalty

log = logging.getLogger(__name__)

FIRST = 64  # candidates per row at first (top-1 agreed 100 % on 408 positions at 64)
# share of the proven error bound a greedy pick must clear (0.149 was the worst seen, above)
ALLOWANCE = 0.25
MOST = 1024  # candidates of a second round; a row they do not satisfy takes the exact head
TAIL_MASS = 1e-3  # sampled rows: most probability left outside the candidates
SLACK = 1e-3  # float rounding of the products themselves, in logits
ROWS_TIMED = (1, 4, 16)  # batch sizes whose head is chosen by measurement
SLICE_ROWS = 16384
PROBE_ROWS = 32768  # rows of the output matrix timed before the whole int8 head is built


@dataclass(frozen=True)
class RowNeed:
    """What one row's sampler will read from the logits."""

    temperature: float = 0.0  # 0: greedy
    top_k: int = 0  # 0: no top-k filter
    seen: torch.Tensor | None = None  # ids the repetition penalty lowers
    penalty: float = 1.0
    exact: bool = False  # the full exact head: probabilities are shown

    @property
    def penalises(self) -> bool:
        """Whether the repetition penalty lowers any id of this row."""
        return self.penalty != 1.0 and self.seen is not None and bool(self.seen.numel())


class CandidateHead:
    """int8 estimates for every token, exact float32 logits for the candidates."""

    def __init__(self, weight: torch.Tensor, exact: nn.Module | None = None):
        """``weight`` (vocab, hidden): the float32 output matrix; ``exact``: the head to use
        for rows that need the whole row exact (default: a float32 product)."""
        from torch.ao.nn.quantized.dynamic import Linear as DynamicInt8Linear

        self.weight = weight.detach().float()
        vocab, hidden = self.weight.shape
        scales = (self.weight.abs().amax(dim=1) / 127).clamp(min=1e-12)
        with warnings.catch_warnings():  # torch marks quantized tensors deprecated; the
            warnings.simplefilter("ignore")  # dynamic Linear still takes nothing else
            quantized = torch.quantize_per_channel(
                self.weight, scales.double(), torch.zeros(vocab, dtype=torch.long), 0,
                torch.qint8)
            self.cheap = DynamicInt8Linear(hidden, vocab, bias_=False, dtype=torch.qint8)
            self.cheap.set_weight_bias(quantized, None)
        # per row: |w - q|_2 and |q|_1 (q dequantized), in slices to bound the temporaries
        self.rounding, self.magnitude = torch.empty(vocab), torch.empty(vocab)
        for start in range(0, vocab, SLICE_ROWS):
            part = slice(start, start + SLICE_ROWS)
            rounded = quantized[part].dequantize()
            self.rounding[part] = (self.weight[part] - rounded).norm(dim=1)
            self.magnitude[part] = rounded.abs().sum(dim=1)
        self._basis = torch.stack([self.rounding, self.magnitude, torch.full((vocab,), SLACK)])
        self.exact = exact
        self.rows_cheap: frozenset[int] = frozenset()  # batch sizes the int8 head runs for

    def use_for(self, rows: int) -> bool:
        """Whether a batch of ``rows`` takes the int8 head (the nearest size timed)."""
        nearest = min(ROWS_TIMED, key=lambda r: abs(math.log(r) - math.log(max(rows, 1))))
        return nearest in self.rows_cheap

    def exact_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """The whole row exact: ``exact`` or a float32 product."""
        if self.exact is not None:
            return self.exact(hidden).float()
        return hidden @ self.weight.T

    def error_bounds(self, hidden: torch.Tensor, share: float = 1.0,
                     base: torch.Tensor | None = None) -> torch.Tensor:
        """(B, vocab): ``base`` (default 0) plus ``share`` of how far each int8 estimate may
        be from the exact logit, as one product of rank 3."""
        low, high = min(float(hidden.min()), 0.0), max(float(hidden.max()), 0.0)
        half_step = (high - low) / 127 / 2  # 7-bit activations (FBGEMM's reduce_range) or finer
        terms = torch.stack([hidden.norm(dim=1), torch.full((hidden.shape[0],), half_step),
                             torch.ones(hidden.shape[0])], dim=1)  # (B, 3)
        if base is None:
            base = torch.zeros(hidden.shape[0], self._basis.shape[1])
        return torch.addmm(base, terms, self._basis, alpha=share)

    def __call__(self, hidden: torch.Tensor, needs: list[RowNeed],
                 banned: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, vocab): exact where a row's sampler can tell, int8 estimates elsewhere."""
        exact_rows = [i for i, need in enumerate(needs) if need.exact]
        if len(exact_rows) == len(needs):
            return self.exact_logits(hidden)
        estimates = self.cheap(hidden)  # (B, vocab)
        ceilings = self.error_bounds(hidden, ALLOWANCE, base=estimates)
        if banned is not None and banned.numel():  # never drawn: they need no exact value
            estimates.index_fill_(1, banned, float("-inf"))
            ceilings.index_fill_(1, banned, float("-inf"))
        # every row's first FIRST candidates at once; the penalised ids join them row by row
        picked = torch.topk(estimates, min(FIRST, estimates.shape[1]), dim=1).indices
        values = torch.einsum("bkd,bd->bk", self.weight[picked], hidden)  # exact (B, FIRST)
        ceilings.scatter_(1, picked, float("-inf"))
        chosen = []
        for row, need in enumerate(needs):
            ids, exact = picked[row], values[row]
            extra = _penalised(need)
            if extra is not None:
                extra = extra[~torch.isin(extra, ids)]
                ids, exact = torch.cat([ids, extra]), torch.cat([exact,
                                                                self.weight[extra] @ hidden[row]])
                ceilings[row, extra] = float("-inf")
            chosen.append((ids, exact))
        for row, need in enumerate(needs):
            if need.exact:
                continue
            ids, exact = chosen[row]
            if not self._enough(exact, ids, ceilings[row], estimates[row], need):
                ids, exact = self._grow(hidden[row], estimates[row], ceilings[row], need)
            if ids is None:
                exact_rows.append(row)
            else:
                estimates[row, ids] = exact
        if exact_rows:
            index = torch.tensor(exact_rows)
            estimates[index] = self.exact_logits(hidden[index])
        return estimates

    def _grow(self, hidden: torch.Tensor, estimates: torch.Tensor, ceilings: torch.Tensor,
              need: RowNeed) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """MOST candidates for one row, once the first ones were not enough; (None, None)
        when these are not enough either (the row then takes the exact head). ``ceilings``
        already holds -inf for the first candidates and is updated in place."""
        if MOST >= estimates.numel():
            return None, None
        ids = torch.topk(estimates, MOST).indices
        extra = _penalised(need)
        if extra is not None:
            ids = torch.unique(torch.cat([ids, extra]))
        exact = self.weight[ids] @ hidden
        ceilings[ids] = float("-inf")
        if self._enough(exact, ids, ceilings, estimates, need):
            return ids, exact
        return None, None

    @staticmethod
    def _enough(values: torch.Tensor, ids: torch.Tensor, ceilings: torch.Tensor,
                estimates: torch.Tensor, need: RowNeed) -> bool:
        """Whether the candidates ``ids`` with exact ``values`` leave the row's sampler as it
        would be with the whole row exact. ``ceilings``: the most each other token may
        reach (-inf at the candidates); ``estimates``: its int8 logits.

        Greedy: the pick beats every ceiling. Top-k: the tokens whose ceiling reaches the
        k-th exact candidate (those that might belong in the top k) hold under TAIL_MASS of
        the probability, at their ceilings. Otherwise: everything outside the candidates
        holds under TAIL_MASS, at its estimate.
        """
        values = values.clone()
        apply_repetition_penalty(values, _positions(ids, need), need.penalty)
        if need.temperature == 0.0:
            return float(values.max()) > float(ceilings.max())
        if 0 < need.top_k <= values.numel():
            kept = torch.topk(values, need.top_k).values
            contenders = int((ceilings >= kept[-1]).sum())
            if not contenders:
                return True
            # each contender holds at most the mass of the highest ceiling
            rest = math.log(contenders) + float(ceilings.max()) / need.temperature
            kept_mass = float(torch.logsumexp(kept / need.temperature, dim=0))
            return rest - kept_mass < math.log(TAIL_MASS)
        else:
            outside = estimates.clone()
            outside[ids] = float("-inf")
            kept_mass = torch.logsumexp(values / need.temperature, dim=0)
        rest = torch.logsumexp(outside / need.temperature, dim=0)
        return float(rest - kept_mass) < math.log(TAIL_MASS)

    def choose(self, product: nn.Module, repeats: int = 5) -> frozenset[int]:
        """Time the int8 path against ``product`` (the exact head the engine would use) at
        each of ROWS_TIMED, turn about; keep the sizes where int8 wins, and log it."""
        wins, report = set(), []
        generator = torch.Generator().manual_seed(0)
        with torch.inference_mode():
            for rows in ROWS_TIMED:
                # hidden states that point at a token, as most steps' do, and the default
                # settings: sampled at 0.7, top-k 50, a 1.1 penalty on 32 ids
                pointed = torch.randint(0, self.weight.shape[0], (rows,), generator=generator)
                hidden = self.weight[pointed] * (50 / self.weight[pointed].norm(dim=1,
                                                                               keepdim=True))
                seen = torch.randint(0, self.weight.shape[0], (32,), generator=generator)
                needs = [RowNeed(0.7, 50, seen, 1.1)] * rows
                best = {"int8": float("inf"), "exact": float("inf")}
                runs = (("int8", functools.partial(self, hidden, needs)),
                        ("exact", functools.partial(product, hidden)))
                for _ in range(repeats):
                    for name, run in runs:
                        started = time.perf_counter()
                        run()
                        best[name] = min(best[name], time.perf_counter() - started)
                if best["int8"] < best["exact"]:
                    wins.add(rows)
                report.append(f"{rows} row(s) {1000 * best['int8']:.1f} vs "
                              f"{1000 * best['exact']:.1f} ms")
        self.rows_cheap = frozenset(wins)
        log.info("Output head: int8 candidates with exact rescoring at %s row(s), the exact "
                 "head otherwise (measured int8 vs exact: %s)",
                 ", ".join(map(str, sorted(wins))) or "no", "; ".join(report))
        return self.rows_cheap


def _penalised(need: RowNeed) -> torch.Tensor | None:
    """The ids the row's repetition penalty lowers (each once), or None."""
    return torch.unique(need.seen) if need.penalises else None


def _positions(picked: torch.Tensor, need: RowNeed) -> torch.Tensor:
    """Where the penalised ids sit among ``picked`` (they are all in it)."""
    if not need.penalises:
        return torch.empty(0, dtype=torch.long)
    return torch.nonzero(torch.isin(picked, need.seen)).squeeze(1)


# vocabularies smaller than this keep the exact head: it is cheap already (GPT-2's is 50257)
MIN_VOCAB = 65536
_HEADS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def candidate_head(model: nn.Module) -> CandidateHead | None:
    """The model's CandidateHead, built and timed once per model, or None where it cannot
    help: a vocabulary under MIN_VOCAB, no FBGEMM, soft-capped logits, or an output matrix
    it cannot read. None too when the timing found it faster at no batch size."""
    output = model.get_output_embeddings()
    if model not in _HEADS or _HEADS[model][0] is not output:  # swapped since: build anew
        _HEADS[model] = (output, _build(model))
    return _HEADS[model][1]


def _build(model: nn.Module) -> CandidateHead | None:
    """Time a slice first: building the whole int8 head takes seconds, which a CPU where it
    cannot win should not pay at every start."""
    source = _source(model)
    if source is None:
        return None
    weight, exact = source
    rows = min(PROBE_ROWS, weight.shape[0])
    if isinstance(exact, Fp16Linear):
        slice_exact: nn.Module = Fp16Linear.from_weight(weight[:rows], None)
    else:
        slice_exact = nn.Linear(weight.shape[1], rows, bias=False)
        slice_exact.weight.data = weight[:rows]
    if not CandidateHead(weight[:rows]).choose(slice_exact):
        return None
    head = CandidateHead(weight, exact)
    return head if head.choose(exact) else None


def build_head(model: nn.Module) -> CandidateHead | None:
    """A CandidateHead for this model's output matrix, not timed (benchmarks), or None where
    it cannot help (see ``candidate_head``)."""
    source = _source(model)
    return None if source is None else CandidateHead(*source)


def _source(model: nn.Module) -> tuple[torch.Tensor, nn.Module] | None:
    """The float32 output matrix and the exact head, or None where int8 candidates cannot
    help: a small vocabulary, no FBGEMM, soft-capped logits, a matrix it cannot read."""
    from ..models.decode_step import readable_weight

    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") \
        else model.config
    if (config.vocab_size < MIN_VOCAB or "fbgemm" not in torch.backends.quantized.supported_engines
            or getattr(config, "final_logit_softcapping", None) is not None):
        return None
    exact = model.get_output_embeddings()
    tied = getattr(config, "tie_word_embeddings", False)
    weight = model.get_input_embeddings().weight if tied else readable_weight(exact)
    if weight is None or weight.dtype != torch.float32:
        return None
    return weight, exact
