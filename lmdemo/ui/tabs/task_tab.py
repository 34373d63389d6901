"""The shared layout of a generative task tab: inputs, output, prompt and decoding panels."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gradio as gr

from ...tasks import TASKS, TaskService
from ..adapters import user_errors
from ..controls import decoding_controls, params_from_controls
from ..i18n import t


@dataclass(frozen=True)
class TabSpec:
    """What differs between the generative tabs."""

    kind: str  # task name; also the API endpoint name
    title: str
    help: str
    inputs: Sequence[Callable[[], gr.components.Component]]
    output: str
    examples: Sequence[Sequence[object]]
    # optional extra panel: extra(service, inputs, template, controls), built inside the tab
    extra: Callable[..., None] | None = None


def task_stream(service: TaskService, kind: str, n_inputs: int) -> Callable:
    """A generator callback: raw inputs, template, controls -> the growing answer."""

    def stream(*args: object):
        raw, template, controls = args[:n_inputs], args[n_inputs], args[n_inputs + 1 :]
        params = params_from_controls(*controls)
        run = service.run(kind, *raw, params=params, template=(template or None))
        if run.notice:
            gr.Warning(run.notice)
        yield from run.stream()

    return stream


def task_preview(service: TaskService, kind: str, n_inputs: int) -> Callable:
    """A callback that shows the exact prompt and any notice, without running the model."""

    def preview(*args: object) -> tuple[str, str]:
        raw, template, controls = args[:n_inputs], args[n_inputs], args[n_inputs + 1 :]
        params = params_from_controls(*controls)
        prompt, notice = service.preview(kind, *raw, max_new_tokens=params.max_new_tokens,
                                         template=template or None)
        return prompt, (f"⚠️ {notice}" if notice else "")

    return preview


def build_task_tab(service: TaskService, spec: TabSpec, api_fn: Callable) -> None:
    """Lay out one task tab and wire Run/Stop; ``api_fn`` gives the endpoint its signature."""
    task = TASKS[spec.kind]
    with gr.Tab(t(spec.title), id=spec.kind):
        gr.Markdown(t(spec.help))
        with gr.Row():
            with gr.Column():
                inputs = [make() for make in spec.inputs]
                with gr.Row():
                    run = gr.Button(t("run"), variant="primary")
                    stop = gr.Button(t("stop"), variant="stop")
            with gr.Column():
                output = gr.Textbox(label=t(spec.output), lines=10, interactive=False,
                                    buttons=["copy"])
                notice = gr.Markdown()
        with gr.Accordion(t("prompt_sent"), open=False):
            template = gr.Textbox(value=task.template, lines=4, label=t("template"))
            with gr.Row():
                for name, text in task.presets.items():
                    preset = gr.Button(t(f"preset_{name}"), size="sm")
                    preset.click(lambda text=text: text, outputs=template,
                                 api_visibility="private", show_progress="hidden")
            sent = gr.Textbox(lines=8, interactive=False, label=t("sent_prompt"),
                              buttons=["copy"])
        controls = decoding_controls(task.defaults)
        if spec.extra is not None:
            spec.extra(service, inputs, template, controls)
        gr.Examples(list(spec.examples), inputs=inputs, label=t("examples"))
    all_inputs = [*inputs, template, *controls]
    event = run.click(user_errors(api_fn), inputs=all_inputs, outputs=output, api_name=spec.kind,
                      concurrency_limit=None)
    preview = task_preview(service, spec.kind, len(inputs))
    run.click(user_errors(preview), inputs=all_inputs, outputs=[sent, notice],
              api_visibility="private", show_progress="hidden")
    stop.click(fn=None, cancels=[event])
