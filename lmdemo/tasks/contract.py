"""The task contract: one self-describing object per task, in the pipeline shape.

A task declares its API name, its fields (label keys, limits, defaults), its prompt
templates and default decoding, and runs as ``preprocess -> forward -> postprocess``:
- ``preprocess`` checks the inputs and renders the prompt under one token-budget rule;
- ``forward`` runs the prompt on the runtime's backend (a stream, or a score);
- ``postprocess`` turns the raw continuation into the answer the API returns.

``lmdemo.tasks.registry`` lists the tasks; the UI tabs, API endpoints, CLI subcommands and
MCP tools are all generated from these objects, so a new task is one module plus its strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..errors import InputError
from ..notices import Notice, join_notices
from ..params import SamplingParams
from .chat import RAW, USER, template_notice, uses_chat, wrap
from .prompts import check_template, check_text, render

if TYPE_CHECKING:  # kept out of the import: `python -m lmdemo --help` lists tasks quickly
    from ..engine import Request
    from ..runtime import Runtime

TEXT, CHOICE, FLAG = "text", "choice", "flag"


@dataclass(frozen=True)
class Field:
    """One input of a task, named as in the API, the CLI and links (``?question=...``)."""

    name: str
    label: str  # key in lmdemo/locales/en.json and zh-CN.json
    help: str  # English, for the API docs, ``--help`` and MCP tool arguments
    kind: str = TEXT  # text | choice | flag
    slot: str = ""  # the template slot it fills; defaults to ``name``
    lines: int = 3  # height of its text box in the UI
    choices: tuple[str, ...] = ()  # for a choice, matched case-insensitively
    default: str | bool | None = None  # None: the field is required
    what: str = ""  # the noun in error messages ("question"); defaults to the name

    @property
    def noun(self) -> str:
        """How messages name this field, e.g. "target language"."""
        return self.what or self.name.replace("_", " ")

    @property
    def slot_name(self) -> str:
        """The template slot this field fills."""
        return self.slot or self.name

    def check(self, value: object, max_chars: int) -> str | bool:
        """Validate one raw value into what the prompt receives."""
        if self.kind == FLAG:
            return self.default if value is None else bool(value)  # type: ignore[return-value]
        if self.kind == CHOICE:
            if isinstance(value, str):
                for choice in self.choices:
                    if choice.lower() == value.strip().lower():
                        return choice
            shown = repr(value if not isinstance(value, str) or len(value) <= 40
                         else value[:40] + "…")  # a pasted essay stays out of the message
            choices = ", ".join(self.choices)
            raise InputError(key="err_unknown_choice", what=self.noun, what_key=self.label,
                             value=shown, choices=choices)
        return check_text(value, self.noun, max_chars, self.label)


@dataclass(frozen=True)
class Prepared:
    """A rendered prompt, ready for the backend: its text, its ids and any notices."""

    prompt: str
    ids: list[int]
    notices: tuple[Notice, ...]
    template: str  # the template it was rendered from
    options: Mapping[str, object] = field(default_factory=dict)  # flag fields, e.g. calibrate

    @property
    def notice(self) -> str:
        """The notices in English, as one line."""
        return join_notices(self.notices)


class TaskRun:
    """A started task: the exact prompt sent, any notices, and its output as it grows."""

    def __init__(self, prompt: str, notices: tuple[Notice, ...], request: Request,
                 postprocess: Callable[[str], object]):
        self.prompt = prompt
        self.notices = notices
        self.request = request
        self.postprocess = postprocess

    @property
    def notice(self) -> str:
        """The notices in English, as one line (the CLI prints it)."""
        return join_notices(self.notices)

    def stream(self) -> Iterator[object]:
        """Yield the answer so far as tokens arrive; the last value is post-processed."""
        text = ""
        for chunk in self.request.chunks(coalesce=True):
            text += "".join(event.text for event in chunk)
            yield text
        yield self.postprocess(text)

    def answer(self) -> object:
        """Wait for the end and return the post-processed answer."""
        return self.postprocess(self.request.result().text)


@dataclass
class Task:
    """What makes one causal LM do one task through its prompt."""

    name: str  # API name, CLI subcommand, MCP tool, ``?tab=``
    doc: str  # one paragraph in English: API docs, ``--help``, MCP tool description
    title: str  # string keys: tab title, help text, output label
    help: str
    output: str
    fields: tuple[Field, ...]
    template: str
    required: tuple[str, ...]  # slots every template must contain
    # the slot that may be shortened (from its end) when the prompt is too long
    trim_slot: str | None = None
    # decoding settings, stop sequences included: the tab's controls show exactly these, and
    # the API's defaults are the controls' values, so what is shown is what is used
    defaults: Mapping[str, object] = field(default_factory=dict)
    presets: Mapping[str, str] = field(default_factory=dict)  # named alternative templates
    examples: tuple[tuple[str, ...], ...] = ()  # rows of the text and choice fields
    # Chinese rows, offered only when the live model reads Chinese (Runtime.reads_chinese)
    examples_zh: tuple[tuple[str, ...], ...] = ()
    order: int = 100  # place among the tabs and subcommands
    streams: bool = True  # False: the answer is a score, decoding controls do not apply
    clean: Callable[[str], object] = str.strip  # raw continuation -> answer
    # string key the UI shows in place of an empty answer ("" means the text does not say)
    empty: str = ""
    # on a model with a chat template (an instruct model): USER sends the rendered prompt as
    # one user turn and reads the answer from the assistant's turn; RAW sends it as it is,
    # the few-shot prompts' own way (measured per task: docs/models.md). Base models always
    # get the text as it is.
    chat: str = RAW

    # ---- fields -------------------------------------------------------------------------
    @property
    def inputs(self) -> tuple[Field, ...]:
        """Text and choice fields, in API order (flags come after the template)."""
        return tuple(f for f in self.fields if f.kind != FLAG)

    @property
    def required_texts(self) -> tuple[Field, ...]:
        """The text fields without a default: what a caller must give."""
        return tuple(f for f in self.inputs if f.kind == TEXT and f.default is None)

    @property
    def flags(self) -> tuple[Field, ...]:
        """On/off options such as sentiment's calibration."""
        return tuple(f for f in self.fields if f.kind == FLAG)

    def preset(self, name: str | None) -> str:
        """The template of a named preset, or the default template for None."""
        if name is None:
            return self.template
        if name not in self.presets:
            choices = {"choices": ", ".join(self.presets)} if self.presets else {}
            raise InputError(key="err_task_preset", task=self.name, name=repr(name),
                             choices_key="list_none", **choices)
        return self.presets[name]

    def values(self, inputs: Mapping[str, object], max_chars: int) -> dict[str, object]:
        """Check every field: returns template slot values, and flags by field name."""
        unknown = sorted(set(inputs) - {f.name for f in self.fields})
        if unknown:
            names = ", ".join(f.name for f in self.fields)
            raise InputError(key="err_task_input", task=self.name, name=repr(unknown[0]),
                             names=names)
        values: dict[str, object] = {}
        for f in self.fields:
            value = f.check(inputs.get(f.name, f.default), max_chars)
            values[f.name if f.kind == FLAG else f.slot_name] = value
        return values

    # ---- the prompt ---------------------------------------------------------------------
    def compose(self, tokenizer: object, template: str, values: Mapping[str, str]) -> str:
        """The prompt the model receives: the template filled in, then wrapped in the
        model's chat template when this task uses it there (``tasks.chat``)."""
        return wrap(self.chat, tokenizer, render(template, self.required, **values))

    def with_chat(self, wrapped: bool | None) -> Task:
        """This task with its prompt wrapped in an instruct model's chat template (True) or
        sent as text (False), whatever it declares; None keeps its own (measured) choice.
        A base model's prompt stays text either way. The page's "chat template" box, the
        API's ``chat`` and the CLI's ``--chat`` choose it, so a class can see the difference."""
        if wrapped is None or (self.chat == USER) == wrapped:
            return self
        return replace(self, chat=USER if wrapped else RAW)

    def template_notice(self, runtime: Runtime) -> Notice:
        """Which template this task uses on the live model, e.g. "template: chat
        (smollm2-135m-instruct's own)" or "template: none (base model)"."""
        return template_notice(self.chat, runtime.tokenizer, runtime.loaded.name)

    # ---- the pipeline -------------------------------------------------------------------
    def preprocess(self, runtime: Runtime, inputs: Mapping[str, object],
                   max_new_tokens: int, template: str | None = None) -> Prepared:
        """Check the inputs and render the prompt so it fits the context window."""
        cap = runtime.config.max_input_chars
        values = self.values(inputs, cap)
        options = {f.name: values.pop(f.name) for f in self.flags}
        slots = {k: str(v) for k, v in values.items()}
        template = check_template(template, cap) if template is not None else self.template
        prompt, ids, notices = fit_prompt(runtime, self, slots, max_new_tokens, template)
        return Prepared(prompt, ids, notices, template, options)

    def forward(self, runtime: Runtime, prepared: Prepared, params: SamplingParams) -> TaskRun:
        """Send the prompt to the backend with exactly the given settings (stops included)."""
        request = runtime.backend.submit(prepared.ids, prepared.prompt, params)
        notices = prepared.notices + request.notices
        return TaskRun(prepared.prompt, notices, request, self.postprocess)

    def postprocess(self, raw: object) -> object:
        """The answer the API returns, from the raw continuation."""
        return self.clean(raw)  # type: ignore[arg-type]

    def run(self, runtime: Runtime, inputs: Mapping[str, object], params: SamplingParams,
            template: str | None = None) -> TaskRun:
        """``preprocess`` then ``forward``; iterate ``.stream()`` or call ``.answer()``."""
        runtime.check_params(params)  # the server's own cap (lower when hosted)
        prepared = self.preprocess(runtime, inputs, params.max_new_tokens, template)
        return self.forward(runtime, prepared, params)


def fit_prompt(runtime: Runtime, task: Task, values: Mapping[str, str], max_new_tokens: int,
               template: str) -> tuple[str, list[int], tuple[Notice, ...]]:
    """Render the prompt within the budget rule of ``lmdemo.engine.budget``.

    ``task.trim_slot`` is shortened from its end first, so a long article loses its tail, not
    the few-shot examples before it; a task without one is cut from the left, by the same
    ``fit_budget`` the engine applies. Returns (prompt, its ids, notices): the ids already
    fit, so the engine runs exactly this prompt.
    """
    # imported here: lmdemo.engine pulls in torch, and `python -m lmdemo --help` lists tasks
    from ..engine.budget import fit_budget, prompt_room

    window = _window(runtime)
    room = prompt_room(max_new_tokens, window)
    prompt = task.compose(runtime.tokenizer, template, values)
    ids = runtime.encode(prompt)
    notices: tuple[Notice, ...] = ()
    slot = task.trim_slot
    if len(ids) > room and slot is not None and slot in values:
        prompt, ids, notice = _trim_slot(runtime, task, dict(values), template, room,
                                         max_new_tokens, window, len(ids))
        notices = (notice,)
    if len(ids) > room:  # no slot to shorten: the engine's own left cut, done here
        bos = getattr(runtime.tokenizer, "bos_token_id", None)
        budget = fit_budget(ids, max_new_tokens, window, bos)
        ids = budget.prompt_ids
        # a chat prompt keeps its turn markers: they are part of what is sent
        chat = uses_chat(task.chat, runtime.tokenizer)
        prompt = runtime.tokenizer.decode(ids, skip_special_tokens=not chat)  # type: ignore
        notices += tuple(n for n in budget.notices if n.key == "notice_input_cut")
    return prompt, ids, notices


def _window(runtime: Runtime) -> int:
    """The window the backend fits to (a server may say its own is smaller than the model's)."""
    window = getattr(runtime.backend, "context_window", None)
    return int(window) if isinstance(window, int) else runtime.context_window


def _trim_slot(runtime: Runtime, task: Task, values: dict[str, str], template: str, room: int,
               max_new_tokens: int, window: int, total: int) -> tuple[str, list[int], Notice]:
    """Shorten ``task.trim_slot`` from its end until the rendered prompt fits ``room``."""
    slot = task.trim_slot
    assert slot is not None
    # the UI names the slot by its field's label, e.g. "context" -> 上下文
    slot_key = next((f.label for f in task.fields if f.slot_name == slot), slot)
    slot_ids = runtime.encode(values[slot])
    keep = len(slot_ids) - (total - room) - 2
    while True:
        if keep < 1:
            used = total - len(slot_ids)
            raise InputError(key="err_no_room", used=used,
                             slot=slot, slot_key=slot_key, window=window, max_new=max_new_tokens)
        values[slot] = runtime.tokenizer.decode(slot_ids[:keep], skip_special_tokens=True)  # type: ignore
        prompt = task.compose(runtime.tokenizer, template, values)
        ids = runtime.encode(prompt)
        if len(ids) <= room:
            break
        keep -= len(ids) - room  # tokens merged differently at the cut: shorten a little more
    notice = Notice(f"The {slot} was cut to its first {keep} of {len(slot_ids)} tokens so that "
                    f"the prompt and answer fit the model's {window}-token context window.",
                    "notice_cut", {"slot": slot, "slot_key": slot_key, "keep": keep,
                                   "total": len(slot_ids), "window": window})
    return prompt, ids, notice
