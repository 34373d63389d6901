"""Prompting effects: an article continued with and without the "TL;DR:" cue.

Both sides are plain generation with the same settings and token budget: no stop sequence and
no trimming to whole sentences (the Summarize task's own stop at the end of the line and its
cleaning would end the "without" side before it shows what the model does without the cue).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..params import SamplingParams
from ..tasks.registry import get_task

if TYPE_CHECKING:
    from ..runtime import Runtime

# The GPT-2 paper's zero-shot summary prompt, and the same prompt without its cue. Fixed
# here rather than taken from the Summarize tab's template, which may not use "TL;DR:".
WITH_CUE = "{article}\n\nTL;DR:"
WITHOUT_CUE = "{article}\n\n"


@dataclass(frozen=True)
class Side:
    """One side of the comparison: the exact prompt sent and the settings it ran with."""

    prompt: str
    params: SamplingParams  # no stop sequences: it runs for params.max_new_tokens


def compare_sides(runtime: Runtime, article: str, params: SamplingParams) -> list[Side]:
    """Both prompts, with the article checked and trimmed by the summarize task's rules."""
    task = get_task("summarize")
    inputs = {task.inputs[0].name: article}  # the article is the task's one text field
    plain = replace(params, stop=())
    return [Side(task.preprocess(runtime, inputs, plain.max_new_tokens, template).prompt, plain)
            for template in (WITH_CUE, WITHOUT_CUE)]


def stream_sides(runtime: Runtime, sides: list[Side]) -> Iterator[tuple[str, str]]:
    """Start both prompts at once (the backend runs them side by side); yield both texts
    as the model wrote them. Closing the stream (Stop) or a failure cancels both."""
    for side in sides:
        runtime.check_params(side.params)  # the server's own cap (lower when hosted)
    requests = []
    try:
        for side in sides:
            requests.append(runtime.backend.submit(runtime.encode(side.prompt), side.prompt,
                                                   side.params))
        texts = ["", ""]
        for i, request in enumerate(requests):  # the second is mostly done when it is read
            for chunk in request.chunks():
                texts[i] += "".join(event.text for event in chunk)
                yield texts[0], texts[1]
        yield texts[0], texts[1]
    finally:
        for request in requests:
            request.cancel()  # a no-op for the finished ones


def compare_stream(runtime: Runtime, article: str, params: SamplingParams
                   ) -> Iterator[tuple[str, str]]:
    """Both sides' texts as they grow: ``stream_sides`` of ``compare_sides``."""
    return stream_sides(runtime, compare_sides(runtime, article, params))
