"""The model picker: with ``--models a,b`` each visitor picks the model their page runs on.

The pick lives on the shelf (lmdemo/shelf.py), keyed by the page's Gradio session, so a
second visitor's model does not change. Picking one:

- chooses it for this session only, and shows its banner; a model not loaded yet starts
  loading, and the banner shows its progress (the ready timer restarts, lmdemo/ui/status.py);
- changes the page's ready state, so every part filled for the model (example rows, the
  bias note, the Learn page's measured heads) is filled again for the new one;
- writes ``model=NAME`` into the address bar (left out for the default), so a reload, a
  copied link and a class's followers get the same model (assets/lmdemo.js).

A link's ``model=`` picks it before its ``run=1`` runs; a name this app does not offer
leaves the default and is named in the link notice. Closing the page forgets the pick.
The API lists the models (``/models``, also an MCP tool) and picks one for an API client's
session (``/choose_model``).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import gradio as gr

from ..errors import UnknownModelError
from ..shelf import Shelf
from .adapters import user_errors
from .endpoints import publish
from .i18n import t
from .links import Notice
from .status import ModelReady

MODEL_PARAM = "model"


def build_picker(shelf: Shelf) -> gr.Dropdown | None:
    """The header's dropdown of the offered models, the default first (None for one model)."""
    if not shelf.several:
        return None
    # No label box: the header stays one line high (a projector has little height), and the
    # banner below names the model; the label still names the control for screen readers.
    return gr.Dropdown(list(shelf.names), value=shelf.default, label=t("model_picker"),
                       show_label=False, container=False, scale=0, min_width=260,
                       elem_id="model-picker")


def link_pick(shelf: Shelf, request: gr.Request) -> Notice | None:
    """Pick the model a link's ``model=`` names for the visitor's page; a notice naming the
    problem and the choices when this app does not offer it (the default stays)."""
    asked = request.query_params.get(MODEL_PARAM)
    if asked is None or not shelf.several:
        return None
    try:
        shelf.choose(request.session_hash, asked)
    except UnknownModelError:
        return Notice("link_bad_model", {"name": asked, "default": shelf.default,
                                         "choices": ", ".join(shelf.names)})
    return None


def model_list(shelf: Shelf, session: str | None) -> list[dict]:
    """The offered models as API clients read them (see ``publish_models``)."""
    picked = shelf.chosen(session)
    out = []
    for name in shelf.names:
        runtime = shelf.peek(name)
        ready = runtime is not None and runtime.status.ready
        out.append({"name": name, "model": runtime.model_name if ready else None,
                    "default": name == shelf.default, "loaded": ready,
                    "picked": name == picked})
    return out


def publish_models(shelf: Shelf) -> None:
    """The ``/models`` endpoint and MCP tool, and ``/choose_model`` for API clients."""

    def models(request: gr.Request) -> list[dict]:
        return model_list(shelf, request.session_hash)

    publish(models, "models", "List the models this app offers. Every other tool runs on "
            "the default one; an app started with one model lists only that one.", {},
            'A JSON list, one entry per model: "name", the name to pick it by; "model", the '
            'loaded model\'s own name (null until it is loaded); "default", true for the '
            'one tools run on; "loaded", true once it is ready; "picked", true for the one '
            "this session runs on.")

    def choose_model(model: str, request: gr.Request) -> list[dict]:
        shelf.choose(request.session_hash, model)
        return model_list(shelf, request.session_hash)

    # Only for a client that keeps its session (gradio_client keeps one per Client): Gradio's
    # MCP server calls every tool through one shared client session, where a pick would
    # change the model of every MCP client at once; so no tool, and no API page entry.
    publish(choose_model, "choose_model", "Pick the model this client session runs on.",
            {"model": "The name of one of the models /models lists (a catalogue alias of "
                      "one works too)."},
            "The models, as /models lists them.", visibility="undocumented")


def wire_picker(demo: gr.Blocks, picker: gr.Dropdown | None, shelf: Shelf, banner: gr.Markdown,
                ready: ModelReady, update: Callable) -> tuple[list, Callable]:
    """Wire the picker; return the page-load outputs and function that show the visitor's
    model (the picker's value when there is one, then the banner, timer and ready state)."""
    outputs = [banner, *ready.outputs]
    if picker is None:
        return outputs, update

    def switch(name: str, request: gr.Request) -> tuple:
        shelf.choose(request.session_hash, name)
        return update(request)

    def on_load(request: gr.Request) -> tuple:
        link_pick(shelf, request)  # the link's model=, before the banner and any run=1
        return shelf.chosen(request.session_hash), *update(request)

    def forget(request: gr.Request) -> None:
        shelf.forget(request.session_hash)

    picker.change(user_errors(switch), inputs=picker, outputs=outputs,
                  api_visibility="private", show_progress="hidden")
    picker.change(fn=None, inputs=picker,
                  js="(name) => { window.lmdemo?.pickModel(name, %s); }"
                  % json.dumps(shelf.default))
    demo.unload(forget)
    return [picker, *outputs], on_load
