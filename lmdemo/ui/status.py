"""The page while the model loads: a status line with progress, then the model's banner.

The server answers before the model is ready (a first start converts the bundled model for
about two minutes on 2 cores). Until then the banner says what is happening, refreshed every
``POLL_S`` seconds by a ``gr.Timer`` that reads ``Runtime.status`` (a lock and a few fields)
and stops once the model is ready or has failed. Parts of the page that need the model are
filled in by ``ModelReady.then``: when the page opens with the model ready, or when it
becomes ready while the page is open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gradio as gr

from ..models.progress import FAILED, LoadStatus
from ..runtime import Runtime
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


@dataclass(frozen=True)
class ModelReady:
    """The page's "the model is ready" trigger (a per-page state that turns True once)."""

    state: gr.State
    timer: gr.Timer  # polls the load while it runs (wired by add_status)

    @classmethod
    def create(cls) -> ModelReady:
        """A new trigger in the Blocks being built: not ready, its timer stopped."""
        return cls(gr.State(False), gr.Timer(POLL_S, active=False))

    @property
    def outputs(self) -> list[gr.components.Component]:
        """What ``add_status``'s update function fills after the banner."""
        return [self.timer, self.state]

    def then(self, fn: Callable[[gr.Request], object],
             outputs: Sequence[gr.components.Component]) -> None:
        """Fill ``outputs`` with ``fn(request)`` once the model is ready for this page."""
        self.state.change(fn, outputs=list(outputs), api_visibility="private",
                          show_progress="hidden")


def add_status(runtime: Runtime, banner: gr.Markdown,
               banner_text: Callable[[Runtime, str], str]) -> tuple[ModelReady, Callable]:
    """Wire ``banner`` to the load's progress; return the ready trigger, and the page-load
    function ``update(request) -> (banner, timer, ready)`` for the page's own load event."""
    ready = ModelReady.create()

    def update(request: gr.Request) -> tuple[object, object, object]:
        language = language_of(request)
        status = runtime.status
        if status.ready:
            return banner_text(runtime, language), gr.Timer(active=False), True
        # A failed load will not change: the timer stops, the line stays.
        return (status_line(status, language), gr.Timer(active=status.stage != FAILED),
                gr.skip())

    # Queued like any event: only a queued event's reply tells the page a state changed
    # (gradio 6.31), and that change is what fills the parts that need the model.
    ready.timer.tick(update, outputs=[banner, *ready.outputs], api_visibility="private",
                     show_progress="hidden")
    # A link's run=1 waits for the model (assets/lmdemo.js) rather than meet "still loading".
    ready.state.change(fn=None, js="() => { window.lmdemo?.modelIsReady(); }")
    return ready, update
