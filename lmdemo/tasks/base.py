"""A generative task: template, required slots, default decoding and post-processing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from ..engine import Engine, Request
from ..errors import InputError
from ..params import SamplingParams
from .prompts import render


@dataclass(frozen=True)
class TextTask:
    """Everything that makes one causal LM do one task through its prompt."""

    name: str
    template: str
    required: tuple[str, ...]
    # the slot that may be shortened (from its end) when the prompt is too long
    trim_slot: str | None = None
    defaults: Mapping[str, object] = field(default_factory=dict)
    stop: tuple[str, ...] = ()
    postprocess: Callable[[str], str] = str.strip
    # named alternative templates ("tuned", "paper"); ``template`` is the default
    presets: Mapping[str, str] = field(default_factory=dict)

    def preset(self, name: str | None) -> str:
        """The template of a named preset, or the default template for None."""
        if name is None:
            return self.template
        if name not in self.presets:
            choices = ", ".join(self.presets) or "none"
            raise InputError(f"Task {self.name} has no prompt preset {name!r}; presets: {choices}.")
        return self.presets[name]


@dataclass
class TaskRun:
    """A started task: the exact prompt sent, any notice, and the streaming request."""

    prompt: str
    notice: str
    request: Request
    postprocess: Callable[[str], str]

    def stream(self) -> Iterator[str]:
        """Yield the answer so far as tokens arrive; the last value is post-processed."""
        text = ""
        for chunk in self.request.chunks():
            text += "".join(event.text for event in chunk)
            yield text
        yield self.postprocess(text)

    def answer(self) -> str:
        """Wait for the end and return the post-processed answer."""
        return self.postprocess(self.request.result().text)


def build_prompt(
    engine: Engine, task: TextTask, values: Mapping[str, str], max_new_tokens: int,
    template: str | None = None,
) -> tuple[str, str]:
    """Render the prompt; shorten ``task.trim_slot`` so it fits. Returns (prompt, notice)."""
    template = template if template is not None else task.template
    values = dict(values)
    prompt = render(template, task.required, **values)
    slot = task.trim_slot
    window = engine.loaded.context_window
    room = window - min(max_new_tokens, window // 2)
    total = len(engine.encode(prompt))
    if slot is None or total <= room or slot not in values:
        return prompt, ""
    slot_ids = engine.encode(values[slot])
    keep = len(slot_ids) - (total - room) - 2
    if keep < 1:
        raise InputError(f"The prompt template alone takes about {total - len(slot_ids)} tokens, "
                         f"which leaves no room for the {slot} in the model's {window}-token "
                         f"window with {max_new_tokens} new tokens. Shorten the template or "
                         "lower max new tokens.")
    tokenizer = engine.loaded.tokenizer
    values[slot] = tokenizer.decode(slot_ids[:keep], skip_special_tokens=True)  # type: ignore
    notice = (f"The {slot} was cut to its first {keep} of {len(slot_ids)} tokens so that the "
              f"prompt and answer fit the model's {window}-token context window.")
    return render(template, task.required, **values), notice


def start(
    engine: Engine, task: TextTask, values: Mapping[str, str], params: SamplingParams,
    template: str | None = None,
) -> TaskRun:
    """Render the prompt and submit it to the engine with the task's stop sequences."""
    prompt, notice = build_prompt(engine, task, values, params.max_new_tokens, template)
    stop = tuple(dict.fromkeys(params.stop + task.stop))
    request = engine.submit(prompt, replace(params, stop=stop))
    notice = " ".join(n for n in (notice, request.notice) if n)
    return TaskRun(prompt, notice, request, task.postprocess)
