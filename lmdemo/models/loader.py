"""Load a model and its tokenizer from a ModelSpec, placing it with accelerate."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ..config import AppConfig
from ..errors import ModelLoadError
from .catalog import BUNDLED, CONVERTED_KINDS, FOLDER, GGUF, HUB, WHEEL, ModelSpec
from .decode_attention import use_decode_attention
from .formats import FormatChoice, available_formats, cpu_info, pick_and_convert
from .gguf_cache import bundled_gguf, ensure_converted, file_key, wheel_gguf
from .progress import DOWNLOADING, report, report_loading

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reason:
    """Why a model is live: a key the UI words in each language, the English sentence (for
    logs) and a technical detail that stays as it is (an error message, say)."""

    key: str  # cached | downloaded | offline | explicit | fallback | backend
    text: str
    detail: str = ""


@dataclass
class LoadedModel:
    """A model ready for inference, with what the UI needs to describe it."""

    spec: ModelSpec
    model: torch.nn.Module | None  # None: tokenizer only (a server runs the model)
    tokenizer: object
    device: torch.device
    dtype: torch.dtype
    context_window: int
    reason: Reason = Reason("", "")  # why this model is live (see models.manager)
    load_seconds: float = 0.0
    converted_now: bool = False
    formats: FormatChoice | None = None  # weight formats of the linear layers (formats.py)
    parameter_count: int = 0  # counted before the linear layers were swapped

    @property
    def name(self) -> str:
        """Short display name of the model."""
        return self.spec.name

    @property
    def num_parameters(self) -> int:
        """Parameter count (tied weights counted once)."""
        if self.model is None:
            return self.parameter_count
        return self.parameter_count or sum(p.numel() for p in self.model.parameters())

    @property
    def dtype_name(self) -> str:
        """The compute dtype without its ``torch.`` prefix, e.g. ``float32``."""
        return str(self.dtype).removeprefix("torch.")

    @property
    def fp16_weights(self) -> bool:
        """True when the body's linear layers are models.fp16.Fp16Linear."""
        return self.formats is not None and self.formats.body == "fp16"

    @property
    def precision(self) -> str:
        """How the model computes, e.g. ``float32`` or ``float16 weights, float32 compute``."""
        dtype, formats = self.dtype_name, self.formats
        if formats is None or formats.label == "fp32":
            return dtype
        names = {"fp32": "float32", "fp16": "float16", "int8": "int8"}
        if formats.body == formats.head:
            return f"{names[formats.body]} weights, {dtype} compute"
        return (f"{names[formats.body]} weights (head {names[formats.head]}), "
                f"{dtype} compute")


def pick_device(config: AppConfig) -> torch.device:
    """The device to run on: the config's choice, or CUDA when accelerate sees one."""
    if config.device != "auto":
        if config.device == "cuda" and not torch.cuda.is_available():
            raise ModelLoadError(key="err_model_no_cuda")
        return torch.device(config.device)
    from accelerate import PartialState

    return PartialState().device


def pick_dtype(config: AppConfig, device: torch.device) -> torch.dtype:
    """fp32 on CPU unless asked otherwise (see README: precision), bf16 on a GPU.

    Measured with ``python -m lmdemo.bench.throughput``: on a 2-core AVX2 CPU (emulated bf16
    kernels) GPT-2 decodes 6x slower in bf16 at batch 1 and 40x slower at batch 16; on a
    2-core AVX-512-bf16 CPU bf16 is faster than fp32 but slower than float32 compute with
    float16 weights (``fp16.py``), which also keeps greedy text unchanged where bf16 changed
    half of Gemma's benchmark texts. So CPUs compute in fp32.
    """
    if config.dtype != "auto":
        return getattr(torch, config.dtype)
    return torch.bfloat16 if device.type == "cuda" else torch.float32


def wants_weight_formats(config: AppConfig, device: torch.device, dtype: torch.dtype) -> bool:
    """Whether the linear layers' weight format is chosen (``formats.py``): on a CPU in fp32,
    unless ``--quantize none``. A format this CPU cannot run is an error naming the choices.

    Measured with ``python -m lmdemo.bench.throughput`` and ``python -m lmdemo.bench.precision``
    (README: speed).
    """
    if config.quantize == "none":
        return False
    applies = device.type == "cpu" and dtype == torch.float32
    if config.quantize == "auto":
        return applies
    usable = available_formats(cpu_info()) if applies else ()
    if config.quantize not in usable:
        raise ModelLoadError(key="err_model_quantize", value=config.quantize,
                             choices_key="list_none", **({"choices": ", ".join(usable)}
                                                         if usable else {}))
    return True


def _context_window(model_config: object, cap: int) -> int:
    for attr in ("n_positions", "max_position_embeddings", "n_ctx"):
        value = getattr(model_config, attr, None)
        if isinstance(value, int) and value > 0:
            return min(value, cap)
    return cap


SPECIAL_TOKENS = ("bos_token", "eos_token", "unk_token", "pad_token", "mask_token")


def converted_tokenizer(folder: Path):
    """Load the tokenizer of a folder lmdemo converted from GGUF, straight from tokenizer.json.

    AutoTokenizer parses the 33 MB tokenizer.json of Gemma's 262k-token vocabulary several
    times in Python (3.5 s of a 15 s warm start); the Rust loader reads it once (1.5 s).
    The converted folder's tokenizer.json holds the whole pipeline, <bos> included, so
    encoding and decoding are the same (tests/models/test_manager.py compares them).
    """
    from transformers import PreTrainedTokenizerFast

    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    specials = {k: config[k] for k in SPECIAL_TOKENS if isinstance(config.get(k), str)}
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"),
                                        **specials)
    # An instruct model's chat template is saved beside the tokenizer, not inside it.
    template = folder / "chat_template.jinja"
    if template.is_file():
        tokenizer.chat_template = template.read_text(encoding="utf-8")
    return tokenizer


def _local_source(spec: ModelSpec, config: AppConfig) -> tuple[str, bool, bool]:
    """Return (folder or hub id, local_files_only, converted_now) for from_pretrained."""
    if spec.kind == FOLDER:
        return spec.source, True, False
    if spec.kind == GGUF:
        path = Path(spec.source)
        folder, fresh = ensure_converted(path, config.cache_dir, file_key(path))
        return str(folder), True, fresh
    if spec.kind in (BUNDLED, WHEEL):
        if spec.kind == WHEEL:
            if spec.wheel is None:
                raise ValueError(f"Catalogue bug: {spec.name} is a wheel model without "
                                 "its WheelFile.")
            path, key = wheel_gguf(spec.wheel, config.cache_dir)
        else:
            path, key = bundled_gguf(config.cache_dir)
        folder, fresh = ensure_converted(path, config.cache_dir, key)
        return str(folder), True, fresh
    if spec.kind == HUB:
        from .hub import in_local_cache

        cached = in_local_cache(spec.source)
        if not cached:
            report(DOWNLOADING, [("download", f"downloading {spec.source} from the Hugging "
                                              "Face hub")], 0)
        return spec.source, cached, False
    raise ModelLoadError(key="err_model_kind", kind=repr(spec.kind), name=spec.name)


def load_spec(spec: ModelSpec, config: AppConfig, reason: Reason | None = None) -> LoadedModel:
    """Load tokenizer and weights for ``spec``; raise ModelLoadError naming it on failure."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    start = time.perf_counter()
    try:
        source, local_only, fresh = _local_source(spec, config)
        device = pick_device(config)
        dtype = pick_dtype(config, device)
        report_loading(0)
        if spec.kind in CONVERTED_KINDS:
            tokenizer = converted_tokenizer(Path(source))
        else:
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
        model = AutoModelForCausalLM.from_pretrained(
            source,
            dtype=dtype,
            local_files_only=local_only,
            # accelerate places the weights straight onto the device, without a CPU copy.
            device_map={"": str(device)} if device.type != "cpu" else None,
            trust_remote_code=False,
        )
    except ModelLoadError:
        raise
    except Exception as exc:  # transformers raises many types; the user needs one message
        raise ModelLoadError(key="err_model_load", name=repr(spec.name), source=spec.source,
                             detail=f"{exc.__class__.__name__}: {exc}".strip()) from exc
    model.eval()
    parameter_count = sum(p.numel() for p in model.parameters())
    formats = None
    report_loading(1)
    if wants_weight_formats(config, device, dtype):
        formats = pick_and_convert(model, config.quantize)
    if device.type == "cpu":  # one-token attention as two products (see decode_attention)
        use_decode_attention(model)
    if getattr(tokenizer, "pad_token_id", None) is None:
        tokenizer.pad_token = tokenizer.eos_token
    seconds = time.perf_counter() - start
    loaded = LoadedModel(
        spec=spec,
        model=model,
        tokenizer=tokenizer,
        device=device,
        dtype=dtype,
        context_window=_context_window(model.config, config.max_context_tokens),
        reason=reason or Reason("", ""),
        load_seconds=seconds,
        converted_now=fresh,
        formats=formats,
        parameter_count=parameter_count,
    )
    log.info("Model %s live on %s (%s) in %.1fs: %s", spec.name, device, loaded.precision,
             seconds, loaded.reason.text)
    return loaded


def load_tokenizer(spec: ModelSpec, config: AppConfig, reason: Reason | None = None
                   ) -> LoadedModel:
    """Load only the tokenizer and context window of ``spec`` (a server runs the weights).

    Never downloads: a hub id must already be in the local cache.
    """
    from transformers import AutoConfig, AutoTokenizer

    start = time.perf_counter()
    try:
        source, local_only, fresh = _local_source(spec, config)
        if spec.kind == HUB and not local_only:
            raise ModelLoadError(key="err_model_not_cached", source=spec.source)
        if spec.kind in CONVERTED_KINDS:
            tokenizer = converted_tokenizer(Path(source))
        else:
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
        model_config = AutoConfig.from_pretrained(source, local_files_only=True)
    except ModelLoadError:
        raise
    except Exception as exc:  # transformers raises many types; the user needs one message
        raise ModelLoadError(key="err_model_tokenizer", name=repr(spec.name), source=spec.source,
                             detail=f"{exc.__class__.__name__}: {exc}".strip()) from exc
    if getattr(tokenizer, "pad_token_id", None) is None:
        tokenizer.pad_token = tokenizer.eos_token
    return LoadedModel(
        spec=spec,
        model=None,
        tokenizer=tokenizer,
        device=torch.device("cpu"),
        dtype=torch.float32,
        context_window=_context_window(model_config, config.max_context_tokens),
        reason=reason or Reason("", ""),
        load_seconds=time.perf_counter() - start,
        converted_now=fresh,
    )
