"""The public surface, named on purpose: every API endpoint is an MCP tool of the same name,
and every parameter says what it means, its range and its default.

Gradio names a tool after the function's ``__name__`` and reads each parameter's description
from one line of the docstring's ``Args:`` section, so both are written here from plain data.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import fields

import gradio as gr
from gradio_client.utils import is_file_obj_with_meta

from ..params import (
    MAX_NEW_TOKENS,
    REPETITION_PENALTY,
    SEED,
    STOP_HELP,
    TEMPERATURE,
    TOP_K,
    TOP_P,
    Range,
    SamplingParams,
)
from .adapters import user_errors

REQUIRED = inspect.Parameter.empty
_RANGES: dict[str, Range] = {"temperature": TEMPERATURE, "top_k": TOP_K, "top_p": TOP_P,
                             "max_new_tokens": MAX_NEW_TOKENS,
                             "repetition_penalty": REPETITION_PENALTY, "seed": SEED}
_WHOLE = {f.name for f in fields(SamplingParams) if f.type == "int"}


def control_help(name: str) -> str:
    """What a decoding control does, and its range (``stop``: how to write it)."""
    if name == "stop":
        return STOP_HELP
    rng = _RANGES[name]
    kind = "A whole number" if name in _WHOLE else "A number"
    return f"{rng.help} {kind} from {rng.span}."


def describe(meaning: str, default: object = REQUIRED, shown: str | None = None) -> str:
    """One parameter's description: its meaning and range, then its default (in JSON's
    spelling, or ``shown``), or that it is required."""
    if default is REQUIRED:
        return f"{meaning} Required."
    return f"{meaning} Default: {shown or json.dumps(default, ensure_ascii=False)}."


def api_doc(summary: str, params: Mapping[str, str], returns: str) -> str:
    """Google-style docs as Gradio reads them for the API page and MCP tools."""
    for name, text in params.items():  # Gradio reads one line per parameter
        if "\n" in text:
            raise ValueError(f"The description of {name} spans lines: {text!r}")
    args = "\n".join(f"    {name}: {text}" for name, text in params.items())
    return f"{summary}\n\nArgs:\n{args}\n\nReturns:\n    {returns}"


def publish(fn: Callable, name: str, summary: str, meanings: Mapping[str, str],
            returns: str, visibility: str = "public") -> None:
    """Add ``fn`` as the API endpoint and MCP tool ``name``: each parameter described by its
    meaning in ``meanings`` and its default in ``fn``'s signature (a ``gr.Request``
    parameter is Gradio's, not the client's). ``visibility="undocumented"``: callable by
    API clients, but neither a tool nor on the API page."""
    params = [p for p in inspect.signature(fn).parameters.values()
              if p.annotation not in (gr.Request, "gr.Request")]
    wrapped = user_errors(fn, api=True)  # API and MCP clients read the raw message
    wrapped.__name__ = name  # the tool's name (a function called `api` becomes `api_1`)
    wrapped.__doc__ = api_doc(summary, {p.name: describe(meanings[p.name], p.default)
                                        for p in params}, returns)
    gr.api(wrapped, api_name=name, api_visibility=visibility)  # type: ignore[arg-type]


def json_text(value: object) -> object:
    """A structured result as JSON text; text and files stay as they are."""
    if isinstance(value, (dict, list)) and not is_file_obj_with_meta(value):
        return json.dumps(value, ensure_ascii=False)
    return value


def exact_mcp(demo: gr.Blocks) -> None:
    """Make Gradio's MCP server say what the HTTP API says, when it runs.

    Gradio 6.31 writes a tool's structured result with ``str()``, Python's repr, which a
    client cannot parse as JSON; and its tool schemas leave out every default that is falsy
    (0, "", false). Both happen in methods of the server object, so this wraps those two
    methods of this app's server: results become JSON text, and each parameter with a
    default gets it in the schema.
    """
    server = demo.mcp_server_obj
    if server is None:  # --no-mcp, or the mcp package is missing
        return
    render, schema_for = server.postprocess_output_data, server.get_input_schema

    def postprocess_output_data(data: list, root_url: str) -> list:
        return render([json_text(value) for value in data], root_url)

    def get_input_schema(tool_name: str, parameters: dict[str, str] | None = None):
        schema, files = schema_for(tool_name, parameters)
        endpoint = server.api_info["named_endpoints"][server.tool_to_endpoint[tool_name]]
        for p in endpoint["parameters"]:
            if p.get("parameter_has_default"):
                schema["properties"][p["parameter_name"]]["default"] = p["parameter_default"]
        return schema, files

    server.postprocess_output_data = postprocess_output_data
    server.get_input_schema = get_input_schema
