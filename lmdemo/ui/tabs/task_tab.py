"""One tab per registered task, generated from its contract: inputs, output, prompt, controls.

Nothing here names a task: the fields, examples, templates and defaults come from the Task
object, and each tab's endpoint is named after it (``/generate``, ``/answer``, ...). Its
parameters are the fields' names, then ``template``, the task's flags and the decoding
controls, so the API, MCP tools and links all use the same names.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gradio as gr

from ...params import make_params
from ...runtime import Runtime
from ...tasks import Task
from ...tasks.contract import CHOICE, FLAG, Field
from ..adapters import user_errors
from ..controls import CONTROL_NAMES, decoding_controls
from ..i18n import t
from ..links import LinkTarget
from .task_extras import EXTRAS


@dataclass(frozen=True)
class TabParts:
    """The widgets of a task tab that an optional extra panel may read or trigger on."""

    inputs: Sequence[gr.components.Component]
    template: gr.Textbox
    flags: Sequence[gr.components.Component]
    controls: Sequence[gr.components.Component]
    run: gr.Button


def parameter_names(task: Task) -> tuple[str, ...]:
    """The endpoint's parameters in order: inputs, template, flags, then decoding controls."""
    controls = CONTROL_NAMES if task.streams else ()
    return (*(f.name for f in task.inputs), "template", *(f.name for f in task.flags),
            *controls)


def split(task: Task, names: Sequence[str], args: Sequence[object]
          ) -> tuple[dict[str, object], str | None, dict[str, object]]:
    """Positional callback values -> (field inputs, template, decoding controls), by name."""
    values = dict(zip(names, args, strict=True))
    template = values.pop("template", None) or None
    controls = {name: values.pop(name) for name in CONTROL_NAMES if name in values}
    return values, template, controls  # type: ignore[return-value]


def docstring(task: Task, names: Sequence[str]) -> str:
    """Google-style docs for the endpoint: Gradio's API page and MCP tools read them."""
    helps = {f.name: f.help for f in task.fields}
    helps["template"] = ("The prompt template; {slots} are filled in from the inputs. Leave "
                         "empty for the task's default.")
    helps.update({name: f"Decoding setting {name} (see lmdemo.params)." for name in CONTROL_NAMES})
    args = "\n".join(f"    {name}: {helps[name]}" for name in names)
    returns = "The answer as text." if task.streams else "Each label's probability."
    return f"{task.doc}\n\nArgs:\n{args}\n\nReturns:\n    {returns}"


def endpoint(runtime: Runtime, task: Task) -> Callable:
    """The tab's callback, with the endpoint's named signature and docs."""
    names = parameter_names(task)

    def start(args: Sequence[object]):
        inputs, template, controls = split(task, names, args)
        params = make_params(**{**task.defaults, **controls})
        run = task.run(runtime, inputs, params, template)
        if run.notice:
            gr.Warning(run.notice)
        return run

    if task.streams:
        def call(*args: object):
            yield from start(args).stream()
    else:
        def call(*args: object):
            return start(args).answer()

    call.__name__ = task.name
    call.__doc__ = docstring(task, names)
    call.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    return call


def preview(runtime: Runtime, task: Task) -> Callable:
    """A callback that shows the exact prompt and any notice, without running the model."""
    names = parameter_names(task)

    def show(*args: object) -> tuple[str, str]:
        inputs, template, controls = split(task, names, args)
        max_new = make_params(**{**task.defaults, **controls}).max_new_tokens
        prepared = task.preprocess(runtime, inputs, max_new, template)
        return prepared.prompt, (f"⚠️ {prepared.notice}" if prepared.notice else "")

    return show


def field_widget(f: Field) -> gr.components.Component:
    """The input widget for one field."""
    if f.kind == CHOICE:
        # Custom values reach the task, whose message names the valid choices.
        return gr.Dropdown(list(f.choices), value=f.default, allow_custom_value=True,
                           label=t(f.label))
    if f.kind == FLAG:
        return gr.Checkbox(value=bool(f.default), label=t(f.label))
    return gr.Textbox(label=t(f.label), lines=f.lines, max_lines=30)


def build_task_tab(runtime: Runtime, task: Task) -> LinkTarget:
    """Lay out one task's tab and wire Run/Stop to its endpoint; return its link target."""
    with gr.Tab(t(task.title), id=task.name):
        gr.Markdown(t(task.help))
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
                notice = gr.Markdown()
                extra_column = gr.Column()
        with gr.Accordion(t("prompt_sent"), open=False):
            template = gr.Textbox(value=task.template, lines=4, label=t("template"))
            with gr.Row():
                for name, text in task.presets.items():
                    preset = gr.Button(t(f"preset_{name}"), size="sm")
                    preset.click(lambda text=text: text, outputs=template,
                                 api_visibility="private", show_progress="hidden")
            sent = gr.Textbox(lines=8, interactive=False, label=t("sent_prompt"),
                              buttons=["copy"])
        controls = decoding_controls(task.defaults) if task.streams else []
        extra = EXTRAS.get(task.name)
        if extra is not None:
            with extra_column:
                extra(runtime, TabParts(inputs, template, flags, controls, run))
        if task.examples:
            gr.Examples([list(row) for row in task.examples], inputs=inputs,
                        label=t("examples"))
    all_inputs = [*inputs, template, *flags, *controls]
    event = run.click(user_errors(endpoint(runtime, task)), inputs=all_inputs, outputs=output,
                      api_name=task.name, concurrency_limit=None)
    run.click(user_errors(preview(runtime, task)), inputs=all_inputs, outputs=[sent, notice],
              api_visibility="private", show_progress="hidden")
    stop.click(fn=None, cancels=[event])
    # Links use the endpoint's parameter names: ?tab=answer&question=...&seed=7
    return LinkTarget(task.name, task.name, dict(zip(parameter_names(task), all_inputs,
                                                     strict=True)), run)


def build_task_tabs(runtime: Runtime, tasks: Sequence[Task]) -> list[LinkTarget]:
    """One tab per task, in registry order; their link targets."""
    return [build_task_tab(runtime, task) for task in tasks]
