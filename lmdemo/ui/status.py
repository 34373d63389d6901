"""The page while the model loads: a status line with progress, then the model's banner.

The server answers before the model is ready (a first start converts the bundled model for
about two minutes on 2 cores). Until then the banner says what is happening, refreshed every
``POLL_S`` seconds by a ``gr.Timer`` that reads ``Runtime.status`` (a lock and a few fields)
and stops once the model is ready or has failed. Parts of the page that need the model are
filled in by ``ModelReady.then``: when the page opens with the model ready, or when it
becomes ready while the page is open, and again for each model the visitor switches to
(lmdemo/ui/picker.py): the state holds which model is ready, so a switch changes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gradio as gr

from ..errors import BusyError
from ..models.progress import FAILED, LoadStatus
from ..runtime import Runtime
from ..shelf import Shelf
from .adapters import error_message
from .i18n import language_of, say
from .plain import markdown_text

POLL_S = 1.0  # a status read costs microseconds; a second is as often as the text changes


def status_line(status: LoadStatus, language: str) -> str:
    """What the banner says while the model is not ready, in ``language``."""
    if status.stage == FAILED:
        # The error quotes settings and library messages: shown as text, not Markdown.
        return say("load_failed", language, error=markdown_text(status.error))
    step = status.current
    percent = "" if step is None or step.percent is None else f"{step.percent}%"
    comma = "，" if language.startswith("zh") else ", "
    return say("load_status", language, stage=say(f"load_stage_{status.stage}", language),
               step=say(f"load_step_{step.key if step else 'wait'}", language),
               percent=comma + percent if percent else "", seconds=round(status.seconds))


def ready_mark(name: str) -> str:
    """The ready state's value once the model ``name`` is ready for the page (not empty,
    even for the shelf's unnamed default model)."""
    return f"ready:{name}"


@dataclass(frozen=True)
class ModelReady:
    """The page's "the model is ready" trigger: a per-page state, False until the page's
    model is ready, then ``ready_mark(name)``; a switch of model changes it again."""

    state: gr.State
    timer: gr.Timer  # polls the load while it runs (wired by add_status)
    shelf: Shelf | None = None  # whose pick the state follows (None: one model)

    @classmethod
    def create(cls, shelf: Shelf | None = None) -> ModelReady:
        """A new trigger in the Blocks being built: not ready, its timer stopped."""
        return cls(gr.State(False), gr.Timer(POLL_S, active=False), shelf)

    @property
    def outputs(self) -> list[gr.components.Component]:
        """What ``add_status``'s update function fills after the banner."""
        return [self.timer, self.state]

    def then(self, fn: Callable[[gr.Request], object],
             outputs: Sequence[gr.components.Component]) -> None:
        """Fill ``outputs`` with ``fn(request)`` each time a model is ready for this page
        (the first, and each one the visitor switches to)."""
        outputs = list(outputs)

        def filled(ready: object, request: gr.Request) -> object:
            # Not ready (a switch to a model still loading), or ready for a model the visitor
            # has since switched away from: filled when the model now picked is ready.
            if not ready or (self.shelf is not None and ready != ready_mark(
                    self.shelf.chosen(getattr(request, "session_hash", None)))):
                return gr.skip() if len(outputs) == 1 else [gr.skip()] * len(outputs)
            return fn(request)

        filled.__name__ = fn.__name__  # the event's name in the config, as before
        self.state.change(filled, inputs=self.state, outputs=outputs,
                          api_visibility="private", show_progress="hidden")


def add_status(shelf: Shelf, banner: gr.Markdown,
               banner_text: Callable[[Runtime, str], str]) -> tuple[ModelReady, Callable]:
    """Wire ``banner`` to the load's progress; return the ready trigger, and the function
    ``update(request) -> (banner, timer, ready)`` for the visitor's pick on ``shelf`` (the
    page's load event calls it, and so does a switch of model)."""
    ready = ModelReady.create(shelf)

    def update(request: gr.Request) -> tuple[object, object, object]:
        language = language_of(request)
        name = shelf.chosen(getattr(request, "session_hash", None))
        try:  # a model not loaded yet starts loading here
            runtime = shelf.runtime(name)
        except BusyError as exc:  # every model's slot is busy: asked again at the next tick
            return error_message(exc, language), gr.Timer(active=True), False
        status = runtime.status
        if status.ready:
            return banner_text(runtime, language), gr.Timer(active=False), ready_mark(name)
        # A failed load will not change: the timer stops, the line stays.
        return (status_line(status, language), gr.Timer(active=status.stage != FAILED),
                False)

    # Queued like any event: only a queued event's reply tells the page a state changed
    # (gradio 6.31), and that change is what fills the parts that need the model.
    ready.timer.tick(update, outputs=[banner, *ready.outputs], api_visibility="private",
                     show_progress="hidden")
    # A link's run=1 waits for the model (assets/lmdemo.js) rather than meet "still loading".
    ready.state.change(fn=None, js="() => { window.lmdemo?.modelIsReady(); }")
    return ready, update
