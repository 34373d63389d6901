"""Model catalog, loading and the process-wide live model."""

from .catalog import BUNDLED_MODEL, CATALOG, DEFAULT_MODEL, ModelSpec, resolve
from .loader import LoadedModel, load_spec, on_model_thread
from .manager import ModelManager

__all__ = [
    "BUNDLED_MODEL",
    "CATALOG",
    "DEFAULT_MODEL",
    "LoadedModel",
    "ModelManager",
    "ModelSpec",
    "load_spec",
    "on_model_thread",
    "resolve",
]
