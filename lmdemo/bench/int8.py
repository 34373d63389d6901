"""Weight-only int8 for decoding experiments: a copy of a model whose linear layers are int8.

Decoding one token reads every weight once, so on a memory-bound CPU a quarter of the bytes
could mean up to ~4x the speed of fp32. Activations are cast to bf16 around each matmul
(``torch._weight_int8pack_mm``, the kernel gpt-fast and torchao use on CPU). This changes
the numbers the model computes, so it is a benchmark option, not the engine's default.
"""

from __future__ import annotations

import copy
import dataclasses

import torch
from torch import nn

from ..models import LoadedModel


class Int8Linear(nn.Module):
    """``y = x @ W.T + b`` with W stored as int8 rows and one bf16 scale per output."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None):
        super().__init__()
        weight = weight.detach().float().contiguous()  # (out, in)
        scale = weight.abs().amax(dim=1).clamp(min=1e-8) / 127
        self.register_buffer("qweight", torch.round(weight / scale[:, None]).to(torch.int8))
        self.register_buffer("scale", scale.to(torch.bfloat16))
        self.bias = None if bias is None else nn.Parameter(bias.detach(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, x.shape[-1]).to(torch.bfloat16)
        y = torch._weight_int8pack_mm(flat, self.qweight, self.scale).to(x.dtype)
        y = y.reshape(*x.shape[:-1], -1)
        return y if self.bias is None else y + self.bias


def quantize_int8(loaded: LoadedModel) -> LoadedModel:
    """Return a LoadedModel whose model is an int8 weight-only copy (the original is kept)."""
    from transformers.pytorch_utils import Conv1D

    model = copy.deepcopy(loaded.model)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Linear):
                setattr(parent, name, Int8Linear(child.weight, child.bias))
            elif isinstance(child, Conv1D):  # GPT-2 stores (in, out)
                setattr(parent, name, Int8Linear(child.weight.t(), child.bias))
    return dataclasses.replace(loaded, model=model)
