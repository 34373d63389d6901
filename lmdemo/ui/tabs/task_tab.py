"""One tab per registered task, generated from its contract: inputs, output, prompt, controls.

Nothing here names a task: the fields, examples, templates and defaults come from the Task
object, and each tab's endpoint is named after it (``/generate``, ``/answer``, ...). Its
parameters are the fields' names, then ``template``, the task's flags, the decoding
controls and ``chat``, so the API, MCP tools and links all use the same names.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import gradio as gr
from gradio.context import Context

from ...params import make_params
from ...runtime import Runtime
from ...tasks import Task
from ...tasks.chat import USER
from ...tasks.contract import CHOICE, FLAG, Field, Notice
from ..adapters import user_errors, visitor_language
from ..controls import CONTROL_NAMES, decoding_controls
from ..endpoints import REQUIRED, api_doc, control_help, describe
from ..i18n import language_of, say, say_message, t
from ..links import LinkTarget
from ..plain import PlainText, warning
from ..status import ModelReady
from ..text_input import TextInput
from .task_extras import EXTRAS, ExtraPanel


@dataclass(frozen=True)
class TabParts:
    """The widgets of a task tab that an optional extra panel may read or trigger on."""

    inputs: Sequence[gr.components.Component]
    template: gr.Textbox
    flags: Sequence[gr.components.Component]
    controls: Sequence[gr.components.Component]
    run: gr.Button
    output: gr.components.Component


@dataclass(frozen=True)
class ExampleTable:
    """A tab's Examples table: its headers' string keys (worded when a page loads) and its
    Chinese rows (added once the model is known to read Chinese)."""

    dataset: gr.Dataset
    headers: list[str]
    rows: list[list[str]]
    rows_zh: list[list[str]]


def parameter_names(task: Task) -> tuple[str, ...]:
    """The endpoint's parameters in order: inputs, template, flags, decoding controls, then
    chat (last, so a client that passes the others by position keeps working)."""
    controls = CONTROL_NAMES if task.streams else ()
    return (*(f.name for f in task.inputs), "template", *(f.name for f in task.flags),
            *controls, "chat")


def split(task: Task, names: Sequence[str], args: Sequence[object]
          ) -> tuple[dict[str, object], str | None, bool | None, dict[str, object]]:
    """Positional callback values -> (field inputs, template, chat, decoding controls), by
    name."""
    values = dict(zip(names, args, strict=True))
    template = values.pop("template", None) or None
    chat = values.pop("chat", None)
    controls = {name: values.pop(name) for name in CONTROL_NAMES if name in values}
    return values, template, None if chat is None else bool(chat), controls  # type: ignore


def start_run(runtime: Runtime, task: Task, names: Sequence[str], args: Sequence[object]):
    """A callback's positional values -> (the task as run, its started TaskRun): split by
    name, the chat choice, the decoding controls over the task's defaults, then ``run`` (the
    one place the UI starts one)."""
    inputs, template, chat, controls = split(task, names, args)
    chosen = task.with_chat(chat)
    return chosen, chosen.run(runtime, inputs, make_params(**{**task.defaults, **controls}),
                              template)


TEMPLATE_HELP = ("The prompt template: each {slot} is filled in from the input of that name; "
                 "empty means the task's own template.")
CHAT_HELP = ("On an instruct model (one with a chat template), true wraps the prompt in a user "
             "turn of its template, false sends it as text to continue; the default is the "
             "task's measured choice. A base model's prompt is text either way.")
# A score's answer: the output's gr.Label, as the API sends it
LABEL_RETURNS = ('A JSON object: "label", the likelier label, and "confidences", a list of '
                 'each label with its probability, "label" and "confidence".')


def docstring(task: Task, names: Sequence[str], defaults: Mapping[str, object]) -> str:
    """Google-style docs for the endpoint: Gradio's API page and MCP tools read them.

    ``defaults`` are the parameters' defaults (the widgets' values), so each description
    names the default the endpoint uses.
    """
    helps = {f.name: f.help for f in task.fields}
    helps.update({name: control_help(name) for name in CONTROL_NAMES})
    helps["template"] = TEMPLATE_HELP
    helps["chat"] = CHAT_HELP
    params = {name: describe(helps[name], defaults.get(name, REQUIRED),
                             "the task's own template" if name == "template" else None)
              for name in names}
    return api_doc(task.doc, params, "The answer as text." if task.streams else LABEL_RETURNS)


def endpoint(runtime: Runtime, task: Task, defaults: Mapping[str, object]) -> Callable:
    """The API's callback (``/generate``...), with the endpoint's named signature and docs
    (``defaults``: the parameters' defaults, as the docs state them)."""
    names = parameter_names(task)

    def start(args: Sequence[object]):
        _, run = start_run(runtime, task, names, args)
        if run.notices:
            language = visitor_language()
            warning(notice_text(run.notices, language), say("notice_title", language),
                    page=False)  # an API endpoint: its clients read the text as it is
        return run

    if task.streams:
        def call(*args: object):
            yield from start(args).stream()
    else:
        def call(*args: object):
            return start(args).answer()

    call.__name__ = task.name
    call.__doc__ = docstring(task, names, defaults)
    call.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    return call


def notice_text(notices: Sequence[Notice], language: str) -> str:
    """A run's notices in the visitor's language, as one line."""
    return " ".join(say_message(n.text, n.key, n.fields, language) for n in notices)


@dataclass(frozen=True)
class TabOutputs:
    """Where one Run press writes: the answer, the prompt sent, the notice, an extra panel."""

    output: gr.components.Component
    sent: gr.Textbox
    notice: gr.Markdown
    extra: ExtraPanel | None = None

    @property
    def components(self) -> list[gr.components.Component]:
        """All of them, as the event's outputs."""
        return [self.output, self.sent, self.notice, *(self.extra.outputs if self.extra else ())]


def run_in_tab(runtime: Runtime, task: Task, outs: TabOutputs) -> Callable:
    """The Run button's one event: prompt, notices, the answer as it grows, the extra panel.

    One pass and one place for each message: an invalid input raises here, once, and the
    extra panel (sentiment's before-calibration numbers, extract's highlights) comes from the
    same result.
    """
    names = parameter_names(task)

    def press(*args: object):
        language = visitor_language()
        chosen, run = start_run(runtime, task, names, args)
        notice = notice_text(run.notices, language)
        # which template the prompt went through (chat on an instruct model, or none)
        chat = notice_text((chosen.template_notice(runtime),), language)
        head = {outs.sent: gr.update(value=run.prompt, info=chat),
                outs.notice: f"⚠️ {notice}" if notice else ""}
        if task.streams:
            yield {**head, outs.output: gr.update(value="", placeholder="")}
            text = ""
            for text in run.stream():
                yield {outs.output: text}
            if task.empty and text == "":  # the answer is "", and the box says what that means
                yield {outs.output: gr.update(value="", placeholder=say(task.empty, language))}
            if outs.extra is not None:  # filled from the finished run (extract's highlights)
                yield outs.extra.fill(run, language)
            return
        values = {**head, outs.output: run.answer()}
        if outs.extra is not None:
            values.update(outs.extra.fill(run, language))
        yield values

    return press


def stopped(request: gr.Request) -> str:
    """What the notice area says once Stop is pressed."""
    return say("stopped", language_of(request))


def field_widget(f: Field) -> gr.components.Component:
    """The input widget for one field."""
    if f.kind == CHOICE:
        # Custom values reach the task, whose message names the valid choices.
        return gr.Dropdown(list(f.choices), value=f.default, allow_custom_value=True,
                           label=t(f.label))
    if f.kind == FLAG:
        return gr.Checkbox(value=bool(f.default), label=t(f.label))
    return TextInput(label=t(f.label), lines=f.lines, max_lines=30)  # a number is refused


def build_task_tab(runtime: Runtime, task: Task,
                   example_tables: list[ExampleTable] | None = None) -> LinkTarget:
    """Lay out one task's tab and wire Run/Stop to its endpoint; return its link target.

    Its Examples table, if any, is added to ``example_tables`` for ``build_task_tabs``.
    """
    with gr.Tab(t(task.title), id=task.name):
        gr.Markdown(t(task.help), elem_classes="lm-explain")
        with gr.Row():
            with gr.Column():
                inputs = [field_widget(f) for f in task.inputs]
                flags = [field_widget(f) for f in task.flags]
                with gr.Row():
                    run = gr.Button(t("run"), variant="primary")
                    stop = gr.Button(t("stop"), variant="stop")
            with gr.Column():
                if task.streams:
                    output = gr.Textbox(label=t(task.output), lines=10, interactive=False,
                                        buttons=["copy"])
                else:
                    output = gr.Label(label=t(task.output))
                notice = PlainText()
                extra_column = gr.Column()
        with gr.Accordion(t("prompt_sent"), open=False):
            template = TextInput(value=task.template, lines=4, label=t("template"))
            chat = gr.Checkbox(value=task.chat == USER, label=t("chat_wrap"),
                               info=t("chat_wrap_info"))
            with gr.Row():
                for name, text in task.presets.items():
                    preset = gr.Button(t(f"preset_{name}"), size="sm")
                    preset.click(lambda text=text: text, outputs=template,
                                 api_visibility="private", show_progress="hidden")
            sent = gr.Textbox(lines=8, interactive=False, label=t("sent_prompt"),
                              buttons=["copy"])
        controls = decoding_controls(task.defaults) if task.streams else []
        make_extra = EXTRAS.get(task.name)
        extra = None
        if make_extra is not None:
            with extra_column:
                extra = make_extra(runtime, TabParts(inputs, template, flags, controls, run,
                                                     output))
        rows = [list(row) for row in task.examples]
        rows_zh = [list(row) for row in task.examples_zh]
        # Whether the model reads Chinese is known once it has loaded (the page then adds
        # those rows); a runtime that loads on first use is asked now.
        known = runtime.status.ready
        shown = [*rows, *(rows_zh if known and runtime.reads_chinese else ())]
        if shown:
            # Its click only fills the boxes: no API endpoint (Gradio's default is a hidden one)
            examples = gr.Examples(shown, inputs=inputs, label=t("examples"),
                                   api_visibility="private")
            headers = [f.label for f in task.inputs]
            # The browser translates labels but not a table's headers: they get plain text
            # here, and the visitor's language when the page loads (build_task_tabs).
            examples.dataset.headers = [say(key, "en") for key in headers]
            if example_tables is not None:
                example_tables.append(ExampleTable(examples.dataset, headers, rows, rows_zh))
    all_inputs = [*inputs, template, *flags, *controls, chat]
    outs = TabOutputs(output, sent, notice, extra)
    # The API endpoint (/generate, ...) has no trigger on the page; Run has its own event.
    # A widget's value is its parameter's default (a required text has none).
    defaults = {name: widget.value for name, widget in zip(parameter_names(task), all_inputs,
                                                            strict=True)
                if widget.value is not None}
    gr.on([], user_errors(endpoint(runtime, task, defaults), api=True), inputs=all_inputs,
          outputs=output, api_name=task.name, concurrency_limit=None)
    event = run.click(user_errors(run_in_tab(runtime, task, outs)), inputs=all_inputs,
                      outputs=outs.components, api_visibility="private", concurrency_limit=None)
    stop.click(stopped, outputs=notice, cancels=[event], api_visibility="private", queue=False)
    # Links use the endpoint's parameter names: ?tab=answer&question=...&seed=7
    return LinkTarget(task.name, task.name, dict(zip(parameter_names(task), all_inputs,
                                                     strict=True)), run)


def build_task_tabs(runtime: Runtime, tasks: Sequence[Task], ready: ModelReady
                    ) -> list[LinkTarget]:
    """One tab per task, in registry order; their link targets."""
    tables: list[ExampleTable] = []
    targets = [build_task_tab(runtime, task, tables) for task in tasks]
    translate_headers(tables)
    chinese = [table for table in tables if table.rows_zh]
    if chinese:

        def rows_for(request: gr.Request) -> list[dict]:
            zh = runtime.reads_chinese
            return [gr.update(samples=[*table.rows, *(table.rows_zh if zh else ())])
                    for table in chinese]

        ready.then(rows_for, [table.dataset for table in chinese])
    return targets


def translate_headers(tables: Sequence[ExampleTable]) -> None:
    """Word the Examples tables' headers in the visitor's language when the page loads."""
    blocks = Context.root_block  # the Blocks being built
    if not tables or blocks is None:
        return

    def headers_for(request: gr.Request) -> list[dict]:
        language = language_of(request)
        return [gr.update(headers=[say(key, language) for key in table.headers])
                for table in tables]

    blocks.load(headers_for, outputs=[table.dataset for table in tables],
                api_visibility="private", show_progress="hidden")
