"""Choose the live model (default with fallback, or an explicit choice) and load it once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..config import AppConfig
from ..errors import ModelError, ModelLoadError
from ..threads import in_own_thread
from .catalog import BUNDLED_MODEL, CATALOG, DEFAULT_MODEL, HUB, ModelSpec, resolve
from .hub import hub_reachable, in_local_cache
from .loader import LoadedModel, load_spec

log = logging.getLogger(__name__)
Loader = Callable[[ModelSpec, AppConfig, str], LoadedModel]


def default_plan(config: AppConfig) -> tuple[ModelSpec, str, str | None]:
    """Decide which model to try first: returns (spec, reason, why-gpt2-is-unavailable)."""
    gpt2 = CATALOG[DEFAULT_MODEL]
    if in_local_cache(gpt2.source):
        return gpt2, "gpt2 is the default and is in the local Hugging Face cache.", None
    ok, why = hub_reachable(config.hub_probe_timeout)
    if ok:
        return gpt2, "gpt2 is the default; downloaded from the Hugging Face hub.", None
    fallback = CATALOG[BUNDLED_MODEL]
    unavailable = f"gpt2 is not in the local cache and the hub is unreachable ({why})"
    return fallback, f"{unavailable}, so the bundled {BUNDLED_MODEL} is live.", unavailable


class ModelManager:
    """Holds the one live model of this process; loads it lazily behind a lock."""

    def __init__(self, config: AppConfig, loader: Loader = load_spec):
        self.config = config
        self._loader = loader
        self._lock = threading.Lock()
        self._loaded: LoadedModel | None = None

    @property
    def loaded(self) -> LoadedModel | None:
        """The live model, or None before the first ``get``."""
        return self._loaded

    def get(self) -> LoadedModel:
        """Return the live model, loading it on first use.

        Loading runs on a thread of its own that ends with it, so the OpenMP team its
        kernels start does not outlive it (see lmdemo.threads).
        """
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = in_own_thread(self._load)
        return self._loaded

    def _load(self) -> LoadedModel:
        if self.config.model:
            spec = resolve(self.config.model)
            reason = f"{spec.name} was chosen explicitly (--model or LMDEMO_MODEL)."
            try:
                return self._loader(spec, self.config, reason)
            except ModelError as exc:
                raise ModelLoadError(f"The model you chose, {self.config.model!r}, could not be "
                                     f"loaded: {exc}") from exc
        spec, reason, _ = default_plan(self.config)
        try:
            return self._loader(spec, self.config, reason)
        except ModelLoadError as exc:
            if spec.kind != HUB:
                raise
            log.warning("Default model failed (%s); falling back to %s", exc, BUNDLED_MODEL)
            fallback = CATALOG[BUNDLED_MODEL]
            why = f"gpt2 could not be loaded ({exc}), so the bundled {BUNDLED_MODEL} is live."
            return self._loader(fallback, self.config, why)
