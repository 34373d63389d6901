"""Which weight format the linear layers use on this CPU, chosen once at start-up and logged.

Decoding one token reads every weight once, so on a CPU the bytes per weight and the kernel
that reads them set the speed. The candidates (``--quantize``):
  - ``fp32``: PyTorch's own products (MKL/oneDNN), 4 bytes per weight, exact;
  - ``fp16``: FBGEMM's ``linear_dynamic_fp16`` (``fp16.py``), 2 bytes, float32 compute;
  - ``int8``: weight-only int8 with one float32 scale per output row, ``_weight_int8pack_mm``,
    1 byte, float32 activations (not dynamic activation quantization).
``auto`` chooses between ``fp32`` and ``fp16`` only; the others failed the precision target
(>= 99.5 % teacher-forced top-1 agreement with float32 on the bundled Gemma, README: speed):
per-row int8 weights agreed on 97.1 % (97.5 % with only the head in int8), and bfloat16,
whose kernels round the activations too, on 98.3 %. ``--quantize int8`` and
``--dtype bfloat16`` still run them when asked.

``auto`` drops what this CPU cannot run fast (from its flags and PyTorch's kernel
capability) and takes float16 weights where FBGEMM runs. ``python -m lmdemo.bench.formats``
times one body-shaped and one head-shaped product in each format on this CPU, alternating,
and says what the timings would pick for each role (a format that rounds more must win by
``MARGIN``). The tied output head (Gemma's 262,144 x 640 matrix is 63 % of the bytes) gets
its own choice. On an AVX2-only AMD EPYC PyTorch's int8 kernel has no vectorised path and
was 4-40x slower than FBGEMM's float16 product (README: speed).
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import torch
from torch import nn

from .fp16 import Fp16Linear, fp16_supported, linear_layers

log = logging.getLogger(__name__)

FORMATS = ("fp32", "fp16", "int8")  # least rounding first
AUTO_FORMATS = ("fp32", "fp16")  # int8 missed the precision target (module docstring)
MARGIN = 1.10  # a format that rounds more must be 10 % faster to be chosen
HEAD_ROWS = 16384  # rows of the head-shaped product timed (about 40 MB in float32)


@dataclass(frozen=True)
class CpuInfo:
    """What start-up knows about the CPU: its name, its flags and PyTorch's kernel level."""

    name: str
    flags: frozenset[str]
    capability: str  # torch.backends.cpu.get_cpu_capability(): DEFAULT, AVX2, AVX512, ...

    @property
    def summary(self) -> str:
        """One line for the log: name, kernel level and the flags that matter here."""
        wanted = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8",
                  "f16c", "fma")
        present = " ".join(f for f in wanted if f in self.flags) or "none of avx2/avx512/amx"
        return f"{self.name} ({self.capability}; {present})"


@lru_cache(maxsize=1)
def cpu_info() -> CpuInfo:
    """This machine's CPU, read from /proc/cpuinfo where there is one."""
    name, flags = platform.processor() or platform.machine(), frozenset[str]()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    name = value.strip()
                elif key.strip() == "flags":
                    flags = frozenset(value.split())
                    break
    except OSError:  # not Linux: the name from platform, no flags
        pass
    return CpuInfo(name, flags, torch.backends.cpu.get_cpu_capability())


def int8_supported(cpu: CpuInfo) -> bool:
    """True when PyTorch's weight-only int8 product has a vectorised kernel on this CPU.

    Its CPU kernel is vectorised for AVX-512 only; elsewhere it runs a scalar loop (measured
    4-40x slower than FBGEMM's float16 product on an AVX2 EPYC).
    """
    return hasattr(torch, "_weight_int8pack_mm") and cpu.capability.startswith("AVX512")


class Int8Linear(nn.Module):
    """``y = x @ (q * s).T + b``: int8 weights ``q`` (out, in) with one float32 scale per row.

    Activations and sums stay float32; each output row depends on its own input row only.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None):
        super().__init__()
        weight = weight.detach().float()
        scales = weight.abs().amax(dim=1).clamp(min=1e-12) / 127.0  # (out,)
        self.register_buffer("qweight", torch.round(weight / scales[:, None])
                             .clamp(-127, 127).to(torch.int8).contiguous())
        self.register_buffer("scales", scales.contiguous())
        self.register_buffer("bias", None if bias is None else bias.detach().float().clone())
        self.out_features, self.in_features = weight.shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).float().contiguous()
        y = torch._weight_int8pack_mm(flat, self.qweight, self.scales)
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*x.shape[:-1], self.out_features).to(x.dtype)

    def dequantized(self) -> torch.Tensor:
        """The float32 weight this layer multiplies by (for tests and precision checks)."""
        return self.qweight.float() * self.scales[:, None]

    @property
    def weight_bytes(self) -> int:
        """Bytes one product reads: one per weight plus the row scales."""
        return self.out_features * (self.in_features + 4)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8 weights"


@dataclass(frozen=True)
class FormatChoice:
    """The formats chosen for the body's linear layers and for the output head, and why."""

    body: str
    head: str
    reason: str
    cpu: CpuInfo
    timings: dict[str, dict[str, float]] = field(default_factory=dict)  # role -> fmt -> ms

    @property
    def label(self) -> str:
        """Short form for logs and benchmark tables, e.g. ``fp16`` or ``body fp16, head int8``."""
        return self.body if self.body == self.head else f"body {self.body}, head {self.head}"


def available_formats(cpu: CpuInfo) -> tuple[str, ...]:
    """The formats this CPU and PyTorch build can run at speed, least rounding first."""
    fp16 = fp16_supported() and (not cpu.flags or {"avx2", "f16c"} <= cpu.flags)
    usable = {"fp32": True, "fp16": fp16, "int8": int8_supported(cpu)}
    return tuple(f for f in FORMATS if usable[f])


def _product(fmt: str, weight: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """A ``x -> x @ weight.T`` callable in format ``fmt``."""
    if fmt == "fp16":
        return Fp16Linear.from_weight(weight, None)
    if fmt == "int8":
        return Int8Linear(weight, None)
    return lambda x: torch.nn.functional.linear(x, weight)


def time_formats(formats: tuple[str, ...], shape: tuple[int, int], repeats: int = 5,
                 calls: int = 8) -> dict[str, float]:
    """Best milliseconds per one-row product of ``shape`` (out, in), per format.

    Each timing is a burst of ``calls`` back-to-back products, as decoding runs them: a lone
    call would also time the wake-up of OpenMP helper threads that went to sleep (tens of
    ms on a busy machine). The formats take turns, so a busy neighbour slows them alike.
    """
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(shape, generator=generator) * 0.02
    x = torch.randn(1, shape[1], generator=generator)
    products = {f: _product(f, weight) for f in formats}
    best = dict.fromkeys(formats, float("inf"))
    with torch.inference_mode():
        for f in formats:  # first calls allocate and pack
            products[f](x)
        for _ in range(repeats):
            for f in formats:
                start = time.perf_counter()
                for _ in range(calls):
                    products[f](x)
                best[f] = min(best[f], (time.perf_counter() - start) * 1e3 / calls)
    return best


def _fastest(timings: dict[str, float]) -> str:
    """The fastest format, unless a format that rounds less is within MARGIN of it."""
    ordered = [f for f in FORMATS if f in timings]
    pick = ordered[0]
    for f in ordered[1:]:
        if timings[f] * MARGIN < timings[pick]:
            pick = f
    return pick


def choose_formats(asked: str, body_shape: tuple[int, int], head_shape: tuple[int, int],
                   cpu: CpuInfo | None = None, measure: bool = False) -> FormatChoice:
    """Formats for ``--quantize asked`` (auto, fp16, int8, none) on this CPU.

    ``auto`` goes by the CPU's flags: float16 weights wherever FBGEMM's kernel runs (AVX2 and
    F16C), else float32. With ``measure`` it times both instead (``time_formats``), per role;
    start-up does not, because a measurement on the loading thread misjudged FBGEMM by 100x
    on a busy machine (README: speed). A named format is used as asked; ``none`` is fp32.
    """
    cpu = cpu or cpu_info()
    if asked == "none":
        return FormatChoice("fp32", "fp32", "asked for float32 (--quantize none)", cpu)
    if asked != "auto":
        return FormatChoice(asked, asked, f"asked for {asked} (--quantize {asked})", cpu)
    formats = tuple(f for f in available_formats(cpu) if f in AUTO_FORMATS)
    if len(formats) == 1:
        return FormatChoice("fp32", "fp32", "no FBGEMM float16 kernel on this CPU", cpu)
    if not measure:
        return FormatChoice("fp16", "fp16", "FBGEMM's float16-weight kernel runs on this CPU "
                            "(half the bytes of float32 per token, same top-1 choices)", cpu)
    head = (min(head_shape[0], HEAD_ROWS), head_shape[1])
    timings = {"body": time_formats(formats, body_shape),
               "head": time_formats(formats, head, calls=3)}
    body_fmt, head_fmt = _fastest(timings["body"]), _fastest(timings["head"])
    shown = "; ".join(f"{role} {shape[0]}x{shape[1]}: " + ", ".join(
        f"{f} {ms:.2f} ms" for f, ms in timings[role].items())
        for role, shape in (("body", body_shape), ("head", head)))
    return FormatChoice(body_fmt, head_fmt, f"measured one-row products ({shown})", cpu, timings)


def _role_shapes(model: nn.Module) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(body layer shape holding most bytes, head shape) of ``model``'s linear layers."""
    found = linear_layers(model)
    if not found:
        return None
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    shapes = [tuple(w.shape) for parent, name, w, _ in found if getattr(parent, name) is not head]
    head_shape = next((tuple(w.shape) for parent, name, w, _ in found
                       if getattr(parent, name) is head), None)
    # the shape that holds most of the body's bytes (Gemma: the 2048x640 MLP projections)
    body = max(set(shapes), key=lambda s: shapes.count(s) * s[0] * s[1]) if shapes \
        else head_shape
    return body, head_shape or body  # type: ignore[return-value]


def convert_linears(model: nn.Module, choice: FormatChoice) -> int:
    """Swap ``model``'s linear layers (and GPT-2's Conv1D) to the chosen formats; return how
    many changed. The input embedding stays float32, so a tied head gets its own copy."""
    from .fp16 import _pack, _row_pieces, halve_linears

    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    changed = 0
    if choice.body == "fp16" and choice.head == "fp16":
        return halve_linears(model)
    for parent, name, weight, bias in linear_layers(model):
        fmt = choice.head if getattr(parent, name) is head else choice.body
        if fmt == "fp16":  # in row pieces, as halve_linears packs them
            pieces = [_pack(*piece) for piece in _row_pieces(weight, bias)]
            setattr(parent, name, Fp16Linear(pieces, *weight.shape))
        elif fmt == "int8":
            setattr(parent, name, Int8Linear(weight, bias))
        else:
            continue
        changed += 1
    return changed


def pick_and_convert(model: nn.Module, asked: str) -> FormatChoice:
    """Choose the formats for ``model`` on this CPU, convert its layers and log the choice."""
    shapes = _role_shapes(model)
    if shapes is None:
        return FormatChoice("fp32", "fp32", "no linear layers", cpu_info())
    choice = choose_formats(asked, *shapes)
    start = time.perf_counter()
    count = convert_linears(model, choice)
    log.info("Weight format %s for %d linear layers on %s, converted in %.1fs: %s",
             choice.label, count, choice.cpu.summary, time.perf_counter() - start, choice.reason)
    return choice

