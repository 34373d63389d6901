"""Linear layers that store float16 weights and compute in float32: half the bytes to read.

Decoding reads every weight once per step, and on a CPU that is bound by memory bandwidth
the bytes read set the speed. ``halve_linears`` swaps a model's linear layers (and GPT-2's
``Conv1D``) for ``Fp16Linear``, which keeps its weight packed as float16 for FBGEMM's
``quantized::linear_dynamic_fp16`` kernel: the weights are widened to float32 inside the
kernel, activations and sums stay float32.

Measured on a 2-core AVX2 CPU (README: precision): GPT-2's 50257-word output layer takes
3.7 ms instead of 11.7 at one row and 12.7 instead of 45 at sixteen. Rounding the weights
to float16 moves the bundled Gemma's log-probabilities by at most 0.04 on the benchmark
prompts and changes none of its top-1 choices, while int8 (even with finer activations) or
bfloat16 activations changed 1-11 % of them. Rows never mix: a request's logits do not depend
on which others share its batch.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import torch
from torch import nn


def fp16_supported() -> bool:
    """True when this PyTorch build has FBGEMM's float16-weight kernels (x86 CPUs)."""
    return "fbgemm" in torch.backends.quantized.supported_engines


# A weight with more rows than this is packed in pieces, so that every core can pack one
# (GPT-2's 50257-row head stays whole; Gemma's 262144-row head becomes four pieces):
# FBGEMM packs on one thread, and Gemma's 262144-row output layer alone took 4 s.
PIECE_ROWS = 65536


def _pack(weight: torch.Tensor, bias: torch.Tensor | None) -> object:
    """FBGEMM's packed float16 form of ``weight`` (out, in) and an optional bias."""
    weight = weight.detach().float().contiguous()
    bias = None if bias is None else bias.detach().float().contiguous()
    return torch.ops.quantized.linear_prepack_fp16(weight, bias)


class Fp16Linear(nn.Module):
    """``y = x @ W.T + b`` with ``W`` stored as float16 and everything else in float32.

    Built by ``halve_linears`` from packed pieces of the weight's rows, whose outputs are
    joined side by side.
    """

    def __init__(self, pieces: list[object], out_features: int, in_features: int):
        super().__init__()
        self._pieces = pieces
        self.out_features, self.in_features = out_features, in_features

    @classmethod
    def from_weight(cls, weight: torch.Tensor, bias: torch.Tensor | None) -> Fp16Linear:
        """Pack ``weight`` (out, in) and ``bias`` in one piece on this thread."""
        return cls([_pack(weight, bias)], *weight.shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).float()
        parts = [torch.ops.quantized.linear_dynamic_fp16(flat, p) for p in self._pieces]
        y = parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)
        return y.reshape(*x.shape[:-1], self.out_features).to(x.dtype)

    def __deepcopy__(self, memo: dict) -> Fp16Linear:
        # Holds nothing but its weights, so copies of a model (the attention view's eager
        # twin) share it rather than copy FBGEMM's packed matrix.
        return self

    @property
    def weight_bytes(self) -> int:
        """Bytes one product reads: two per weight."""
        return self.out_features * self.in_features * 2

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, fp16 weights"


def linear_layers(model: nn.Module) -> list[tuple[nn.Module, str, torch.Tensor, object]]:
    """Every linear layer of ``model`` as (parent, name, weight (out, in), bias).

    GPT-2's ``Conv1D`` counts too; it stores its weight as (in, out), so it is transposed.
    """
    from transformers.pytorch_utils import Conv1D

    found = []
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Linear):
                found.append((parent, name, child.weight, child.bias))
            elif isinstance(child, Conv1D):
                found.append((parent, name, child.weight.t(), child.bias))
    return found


def _row_pieces(weight: torch.Tensor, bias: torch.Tensor | None) -> list[tuple]:
    """(weight, bias) slices of at most PIECE_ROWS output rows each."""
    return [(weight[start:start + PIECE_ROWS],
             None if bias is None else bias[start:start + PIECE_ROWS])
            for start in range(0, weight.shape[0], PIECE_ROWS)]


def halve_linears(model: nn.Module) -> int:
    """Replace every linear layer of ``model`` (on CPU) by an Fp16Linear; return how many.

    Packing runs on one thread per core. The input embedding stays float32, so a tied output
    head gets its own float16 copy.
    """
    found = linear_layers(model)
    jobs = [_row_pieces(weight, bias) for _, _, weight, bias in found]
    with ThreadPoolExecutor(max_workers=max(1, torch.get_num_threads())) as pool:
        packed = iter(pool.map(lambda job: _pack(*job), [job for pieces in jobs for job in pieces]))
        for (parent, name, weight, _), pieces in zip(found, jobs, strict=True):
            setattr(parent, name, Fp16Linear([next(packed) for _ in pieces], *weight.shape))
    return len(found)
