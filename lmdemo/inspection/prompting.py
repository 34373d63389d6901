"""Prompting effects: the summarize task run with and without the "TL;DR:" cue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..params import SamplingParams
from ..tasks.registry import get_task

if TYPE_CHECKING:
    from ..runtime import Runtime

# The GPT-2 paper's zero-shot summary prompt, and the same prompt without its cue. Fixed
# here rather than taken from the Summarize tab's template, which may not use "TL;DR:".
WITH_CUE = "{article}\n\nTL;DR:"
WITHOUT_CUE = "{article}\n\n"


def compare_stream(runtime: Runtime, article: str, params: SamplingParams
                   ) -> Iterator[tuple[str, str]]:
    """Start both prompts at once (the backend runs them side by side); yield both answers."""
    task = get_task("summarize")
    inputs = {task.inputs[0].name: article}  # the article is the task's one text field
    runs = [task.run(runtime, inputs, params, template)
            for template in (WITH_CUE, WITHOUT_CUE)]
    with_text = ""
    for with_text in runs[0].stream():
        yield with_text, ""
    for without_text in runs[1].stream():  # mostly done by now: it ran alongside the first
        yield with_text, without_text
