"""Generation with probabilities: each token coloured by its odds; click one to branch.

Per visitor, a gr.State holds a generation (``lmdemo.inspection.generation``): {"prompt",
"prompt_ids", "steps"}, plus the decoding controls it ran with, so a branch continues with
the same settings, and the step chosen for branching.
"""

from __future__ import annotations

import gradio as gr

from ...errors import InputError
from ...inspection import alternatives, branch, stream_steps
from ...inspection.generation import start
from ...runtime import Runtime
from ...tasks import get_task
from ..adapters import user_errors
from ..controls import CONTROL_NAMES, decoding_controls, params_from_controls
from ..i18n import pick_language, say, t
from ..links import LinkTarget
from . import inspect_html as H

EXAMPLE = "Once upon a time, in a small village by the sea,"


def pick_step(runtime: Runtime, state: dict | None, index: int, language: str = "en"
              ) -> tuple[dict, str, str, dict, dict]:
    """Select a generated token: new state, text, its label, its alternatives and Branch.

    A token the model was certain of (no alternative) says so and disables Branch.
    """
    if not state or not 0 <= index < len(state["steps"]):
        raise InputError(key="err_view_generate_first")
    found = alternatives(runtime, state, index)
    state = {**state, "chosen": index}
    label = f"#{index + 1}  {found['display']}  ({H.percent(found['probability'])})"
    choices = [(f"{c['display']}   {H.percent(c['probability'])}", c["id"])
               for c in found["choices"]]
    if found["certain"]:
        label += "  " + say("no_other_choice", language)
    value = choices[1][1] if len(choices) > 1 else None  # the runner-up is the usual pick
    return (state, H.coloured_text(state["prompt"], state["steps"], index), label,
            gr.update(choices=choices, value=value),
            gr.update(interactive=not found["certain"]))


def build_generation_tab(runtime: Runtime) -> LinkTarget:
    """Add the Generation-with-probabilities view (UI only; /generate is the API)."""

    def generate(prompt: str, *controls: object):
        state = {**start(runtime, prompt), "controls": list(controls)}
        params = params_from_controls(*controls)
        yield state, H.coloured_text(prompt, []), "", gr.update(choices=[], value=None)
        for steps in stream_steps(runtime, state["prompt_ids"], prompt, params, []):
            state["steps"] = steps
            yield state, H.coloured_text(prompt, steps), gr.skip(), gr.skip()

    def select(state: dict | None, evt: gr.SelectData, request: gr.Request):
        language = pick_language(request.headers.get("accept-language") if request else None)
        return pick_step(runtime, state, int(evt.index), language)

    def branched(state: dict | None, token_id: int | None):
        if not state or state.get("chosen") is None:
            raise InputError(key="err_view_click_first")
        if alternatives(runtime, state, state["chosen"])["certain"]:
            raise InputError(key="err_view_no_choice")
        if token_id is None:
            raise InputError(key="err_view_pick_alternative")
        params = params_from_controls(*state["controls"])
        for grown in branch(runtime, state, token_id, params):
            yield grown, H.coloured_text(grown["prompt"], grown["steps"], grown["chosen"])

    task = get_task("generate")
    with gr.Tab(t("tab_generation"), id="inspect-generation"):
        gr.Markdown(t("explain_generation"), elem_classes="lm-explain")
        state = gr.State(None)
        with gr.Row():
            with gr.Column(scale=2):
                prompt = gr.Textbox(value=EXAMPLE, label=t("prompt"), lines=3, max_lines=12)
                with gr.Row():
                    run = gr.Button(t("run"), variant="primary")
                    stop = gr.Button(t("stop"), variant="stop")
                controls = decoding_controls({**task.defaults, "max_new_tokens": 30})
            with gr.Column(scale=3):
                text = H.view("generation_output", clickable=True)
                gr.Markdown(t("generation_legend"))
                chosen = gr.Textbox(label=t("selected_step"), interactive=False)
                alts = gr.Radio([], label=t("alternatives"))
                go_branch = gr.Button(t("branch"))
    event = gr.on([run.click, prompt.submit], user_errors(generate),
                  inputs=[prompt, *controls], outputs=[state, text, chosen, alts],
                  api_visibility="private", concurrency_limit=None)
    text.select(user_errors(select), inputs=state,
                outputs=[state, text, chosen, alts, go_branch],
                api_visibility="private", show_progress="hidden")
    grown = go_branch.click(user_errors(branched), inputs=[state, alts], outputs=[state, text],
                            api_visibility="private", concurrency_limit=None)
    stop.click(fn=None, cancels=[event, grown])
    return LinkTarget("generation", "inspect-generation",
                      {"prompt": prompt, **dict(zip(CONTROL_NAMES, controls, strict=True))}, run)

