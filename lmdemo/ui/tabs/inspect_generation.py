"""Generation with probabilities: each token coloured by its odds; click one to branch.

Per visitor, a gr.State holds {"prompt", "prompt_ids", "controls", "steps"}: one step per
generated token with its id, text, probability and the top alternatives the engine reported.
A branch re-submits prompt ids + the tokens before the chosen step + an alternative, so the
model continues from exactly that point with the same settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

import gradio as gr

from ...errors import InputError
from ...inspection import token_text
from ...params import SamplingParams
from ...tasks import TASKS, TaskService
from ..adapters import user_errors
from ..controls import decoding_controls, params_from_controls
from ..i18n import t
from . import inspect_html as H

EXAMPLE = "Once upon a time, in a small village by the sea,"


def _step(tokenizer: object, token_id: int, probability: float,
          alternatives: Sequence[tuple[int, float]]) -> dict:
    # Each token's own text rather than the engine's streamed delta: the delta may be held
    # back (a split character, a possible stop sequence) and land on a later token.
    text, display = token_text(tokenizer, token_id)
    if "\ufffd" in text:
        text = display  # one byte of a split character, shown as <0xE4>
    return {"id": token_id, "text": text, "display": display, "probability": probability,
            "alternatives": [list(a) for a in alternatives]}


def stream_steps(service: TaskService, prompt: str | list[int], params: SamplingParams,
                 steps: list[dict]) -> Iterator[list[dict]]:
    """Submit to the shared engine and yield the growing list of steps after each token."""
    request = service.engine.submit(prompt, params)
    for event in request:
        if event.token_id < 0:  # the engine's final flush of held-back text, not a token
            continue
        steps = [*steps, _step(service.loaded.tokenizer, event.token_id, event.probability,
                               event.alternatives)]
        yield steps


def alternatives(service: TaskService, state: dict, index: int) -> tuple[str, list]:
    """The chosen step as text, and its top alternatives as (label, token id) choices."""
    step = state["steps"][index]
    choices = []
    for token_id, prob in step["alternatives"]:
        shown = token_text(service.loaded.tokenizer, token_id)[1]
        choices.append((f"{shown}   {prob:.1%}", token_id))
    return f"#{index + 1}  {step['display']}  ({step['probability']:.1%})", choices


def branch_ids(state: dict, index: int, token_id: int) -> list[int]:
    """Prompt ids + generated ids before ``index`` + the alternative token."""
    before = [s["id"] for s in state["steps"][:index] if s["id"] >= 0]
    return [*state["prompt_ids"], *before, int(token_id)]


def build_generation_tab(service: TaskService) -> None:
    """Add the Generation-with-probabilities view (UI only; /generate is the API)."""

    def generate(prompt: str, *controls: object):
        if not isinstance(prompt, str) or not prompt.strip():
            raise InputError("The prompt is empty. Type the start of a text first.")
        params = params_from_controls(*controls)
        state = {"prompt": prompt, "prompt_ids": service.engine.encode(prompt),
                 "controls": list(controls), "steps": []}
        yield state, H.coloured_text(prompt, []), "", gr.update(choices=[], value=None)
        for steps in stream_steps(service, prompt, params, []):
            state["steps"] = steps
            yield state, H.coloured_text(prompt, steps), gr.skip(), gr.skip()

    def select(state: dict | None, evt: gr.SelectData):
        index = int(evt.index)
        if not state or not 0 <= index < len(state["steps"]):
            raise InputError("Generate some text first, then click one of its tokens.")
        label, choices = alternatives(service, state, index)
        state = {**state, "chosen": index}
        value = choices[1][1] if len(choices) > 1 else None  # the runner-up is the usual pick
        return (state, H.coloured_text(state["prompt"], state["steps"], index), label,
                gr.update(choices=choices, value=value))

    def branch(state: dict | None, token_id: int | None):
        if not state or state.get("chosen") is None:
            raise InputError("Click a generated token first, then pick an alternative.")
        if token_id is None:
            raise InputError("Pick one of the alternative tokens to branch with.")
        index = state["chosen"]
        params = params_from_controls(*state["controls"])
        old = state["steps"][index]
        prob = {int(i): p for i, p in old["alternatives"]}.get(int(token_id), 0.0)
        new = _step(service.loaded.tokenizer, int(token_id), prob, old["alternatives"])
        steps = [*state["steps"][:index], new]
        state = {**state, "steps": steps, "chosen": index}
        yield state, H.coloured_text(state["prompt"], steps, index)
        left = params.max_new_tokens - len(steps)
        if left > 0:
            ids = branch_ids(state, index, token_id)
            params = replace(params, max_new_tokens=left)
            for grown in stream_steps(service, ids, params, steps):
                state = {**state, "steps": grown}
                yield state, H.coloured_text(state["prompt"], grown, index)

    task = TASKS["generate"]
    with gr.Tab(t("tab_generation"), id="inspect-generation"):
        gr.Markdown(t("explain_generation"))
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
    text.select(user_errors(select), inputs=state, outputs=[state, text, chosen, alts],
                api_visibility="private", show_progress="hidden")
    branched = go_branch.click(user_errors(branch), inputs=[state, alts], outputs=[state, text],
                               api_visibility="private", concurrency_limit=None)
    stop.click(fn=None, cancels=[event, branched])

