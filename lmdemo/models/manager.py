"""Choose the live model (default with fallback, or an explicit choice) and load it once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..config import AppConfig
from ..errors import ModelError, ModelLoadError
from ..locales import english
from ..threads import in_own_thread
from .catalog import (
    BUNDLED_MODEL,
    CATALOG,
    DEFAULT_MODEL,
    HUB,
    ModelSpec,
    resolve,
    resolve_catalogued,
)
from .hub import hub_reachable, in_local_cache
from .loader import LoadedModel, Reason, load_spec

log = logging.getLogger(__name__)
Loader = Callable[[ModelSpec, AppConfig, Reason], LoadedModel]


def default_plan(config: AppConfig) -> tuple[ModelSpec, Reason]:
    """Decide which model to try first, and why."""
    gpt2 = CATALOG[DEFAULT_MODEL]
    if in_local_cache(gpt2.source):
        return gpt2, Reason("cached", "gpt2 is the default and is in the local Hugging Face "
                                      "cache.")
    ok, why = hub_reachable(config.hub_probe_timeout)
    if ok:
        return gpt2, Reason("downloaded", "gpt2 is the default; downloaded from the Hugging "
                                          "Face hub.")
    return CATALOG[BUNDLED_MODEL], Reason(
        "offline", f"gpt2 is not in the local cache and the hub is unreachable ({why}), so the "
                   f"bundled {BUNDLED_MODEL} is live.", why)


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

    def check(self) -> None:
        """Raise UnknownModelError now for an explicit name that is no model (cheap: no
        loading), so a typo stops the app before it serves a page that can never be ready."""
        if self.config.model:
            self._chosen()

    def _chosen(self) -> ModelSpec:
        # A hosted app loads nothing a visitor or a stray setting could point elsewhere.
        pick = resolve_catalogued if self.config.hosted else resolve
        return pick(self.config.model or "")

    def _load(self) -> LoadedModel:
        if self.config.model:
            spec = self._chosen()
            if self.config.models:  # one of several the app offers (lmdemo/shelf.py)
                default = self.config.models[0]
                reason = Reason("offered", english("reason_offered", name=spec.name,
                                                   detail=default), default)
            else:
                reason = Reason("explicit", english("reason_explicit", name=spec.name))
            try:
                return self._loader(spec, self.config, reason)
            except ModelError as exc:
                raise ModelLoadError(key="err_model_chosen", name=repr(self.config.model),
                                     error=exc) from exc
        spec, reason = default_plan(self.config)
        try:
            return self._loader(spec, self.config, reason)
        except ModelLoadError as exc:
            if spec.kind != HUB:
                raise
            log.warning("Default model failed (%s); falling back to %s", exc, BUNDLED_MODEL)
            # The page names what failed (its id), never the exception: that is in the log.
            return self._loader(CATALOG[BUNDLED_MODEL], self.config, Reason(
                "fallback", f"gpt2 could not be loaded ({exc}), so the bundled {BUNDLED_MODEL} "
                            "is live.", spec.source))

