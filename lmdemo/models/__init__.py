"""Model catalog, loading and the process-wide live model."""

from .catalog import BUNDLED_MODEL, CATALOG, DEFAULT_MODEL, ModelSpec, resolve
from .forward import model_ids, next_token_logits
from .loader import LoadedModel, load_spec
from .manager import ModelManager

__all__ = [
    "BUNDLED_MODEL",
    "CATALOG",
    "DEFAULT_MODEL",
    "LoadedModel",
    "ModelManager",
    "ModelSpec",
    "load_spec",
    "model_ids",
    "next_token_logits",
    "resolve",
]
