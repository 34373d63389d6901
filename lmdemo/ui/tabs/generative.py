"""The four generative tabs: Generate, Summarize, Q&A and Translate."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import gradio as gr

from ...tasks import LANGUAGES, TaskService
from ..controls import CONTROL_NAMES
from ..i18n import t
from .examples import ANSWER, GENERATE, SUMMARIZE, TRANSLATE
from .inspect_prompting import build_tldr_compare
from .task_tab import TabSpec, build_task_tab, task_stream


def _box(key: str, lines: int) -> Callable[[], gr.Textbox]:
    return lambda: gr.Textbox(label=t(key), lines=lines, max_lines=30)


def _language() -> gr.Dropdown:
    # Custom values reach the task layer, which names the valid languages in its message.
    return gr.Dropdown(list(LANGUAGES), value="French", allow_custom_value=True,
                       label=t("target_language"))


SPECS = (
    TabSpec("generate", "tab_generate", "help_generate", (_box("prompt", 4),), "output",
            GENERATE),
    TabSpec("summarize", "tab_summarize", "help_summarize", (_box("article", 10),), "summary",
            SUMMARIZE, extra=build_tldr_compare),
    TabSpec("answer", "tab_answer", "help_answer", (_box("context", 8), _box("question", 1)),
            "answer", ANSWER),
    TabSpec("translate", "tab_translate", "help_translate", (_box("text_en", 3), _language),
            "translation", TRANSLATE),
)
# The public API's parameter names, text inputs first (see README: API).
API_INPUTS = {"generate": ("prompt",), "summarize": ("text",), "answer": ("context", "question"),
              "translate": ("text", "target_language")}


def with_signature(fn: Callable, names: Sequence[str]) -> Callable:
    """Give a *args callback named parameters so the API documents them."""
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return fn


def build_generative_tabs(service: TaskService) -> None:
    """Add the four generative tabs to the current Blocks."""
    for spec in SPECS:
        names = API_INPUTS[spec.kind]
        stream = task_stream(service, spec.kind, len(names))
        stream.__name__ = spec.kind
        build_task_tab(service, spec, with_signature(stream, (*names, "template", *CONTROL_NAMES)))
