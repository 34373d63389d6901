"""The MCP server, as an AI assistant sees it through the official MCP Python SDK over
streamable HTTP: the tools are the tasks and teaching views, named after their endpoints;
every parameter says what it means, its range and its default; structured results arrive
as JSON; --no-mcp turns the server off."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import httpx
import pytest

from lmdemo.tasks import all_tasks
from tests.ui_server import running_app

VIEWS = {"tokenize", "next_token", "attention", "neighbors", "bias_probe", "compare"}
PAGE = {"models"}  # the models the app offers (lmdemo/ui/picker.py)


@pytest.fixture(scope="module")
def served(tiny_config):
    """(base URL, gradio_client) of one real server for the module."""
    with running_app(tiny_config) as (client, _):
        yield client.src.rstrip("/"), client


@pytest.fixture(scope="module")
def base_url(served):
    return served[0]


def with_session(base_url: str, use: Callable[[object], Awaitable[object]]) -> object:
    """Run ``use(session)`` in an initialised SDK client session over streamable HTTP."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async def run() -> object:
        async with streamablehttp_client(f"{base_url}/gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await use(session)

    return asyncio.run(asyncio.wait_for(run(), timeout=120))


def call(base_url: str, tool: str, arguments: dict) -> str:
    """One tool call's text; fails on a tool error."""

    async def use(session):
        result = await session.call_tool(tool, arguments)
        assert not result.isError, result
        assert len(result.content) == 1
        return result.content[0].text

    return with_session(base_url, use)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def tools(base_url) -> dict:
    """The tools as the SDK lists them, by name."""

    async def use(session):
        return {tool.name: tool for tool in (await session.list_tools()).tools}

    return with_session(base_url, use)  # type: ignore[return-value]


def test_the_tools_are_the_tasks_and_views_named_after_their_endpoints(tools):
    # Before: api, api_1, api_2, api_3, api_tokenize, and `note` from a Markdown's load event.
    assert set(tools) == {task.name for task in all_tasks()} | VIEWS | PAGE


def test_nothing_but_the_tasks_and_views_is_callable(base_url):
    # Before: the Examples tables' `load_example` events were callable, though undocumented.
    events = httpx.get(f"{base_url}/config", timeout=30).json()["dependencies"]
    callable_ = {event["api_name"] for event in events if event["api_visibility"] != "private"}
    # choose_model: for API clients only, as MCP tools share one session (lmdemo/ui/picker.py)
    assert callable_ == {task.name for task in all_tasks()} | VIEWS | PAGE | {"choose_model"}


def test_schema_lists_every_task_with_its_docs(base_url):
    schema = httpx.get(f"{base_url}/gradio_api/mcp/schema", timeout=30).json()
    tools = {tool["name"]: tool for tool in schema}
    for task in all_tasks():
        tool = tools[task.name]
        assert tool["description"].startswith(task.doc)
        properties = tool["inputSchema"]["properties"]
        for field in task.fields:
            assert properties[field.name]["description"].startswith(field.help)


def test_the_compare_tool_says_what_it_takes_and_why_it_needs_two_models(base_url, tools):
    tool = tools["compare"]
    assert tool.description.startswith("Two of the app's models side by side")
    assert list(tool.inputSchema["properties"]) == [
        "prompt", "models", "task", "temperature", "top_k", "top_p", "max_new_tokens",
        "repetition_penalty", "seed", "stop"]
    assert tool.inputSchema["required"] == ["prompt"]

    async def use(session):  # this server offers one model
        return await session.call_tool("compare", {"prompt": "Hello"})

    result = with_session(base_url, use)
    assert result.isError and "--models A,B" in result.content[0].text


def test_every_parameter_states_its_meaning_and_default(tools):
    for name, tool in tools.items():
        assert "``" not in tool.description, name
        schema = tool.inputSchema
        required = set(schema.get("required", ()))
        for param, prop in schema["properties"].items():
            where = f"{name}.{param}"
            text = prop["description"]
            assert "``" not in text and "\n" not in text, where
            if param in required:
                assert "default" not in prop and text.endswith(". Required."), where
                continue
            # Defaults of 0 and "" were dropped from the schema before.
            assert "default" in prop, where
            shown = ("the task's own template" if param == "template"
                     else json.dumps(prop["default"], ensure_ascii=False))
            assert text.endswith(f". Default: {shown}."), where
            assert len(text) > len(f"Default: {shown}.") + 20, where  # and says what it is


@pytest.mark.parametrize(("tool", "param", "default"), [
    ("next_token", "top_k", 0), ("attention", "layer", 0), ("answer", "temperature", 0.0),
    ("generate", "stop", ""),
])
def test_falsy_defaults_are_in_the_schema(tools, tool, param, default):
    assert tools[tool].inputSchema["properties"][param]["default"] == default


def test_decoding_controls_name_their_range(tools):
    properties = tools["generate"].inputSchema["properties"]
    assert "from 0 to 2" in properties["temperature"]["description"]
    assert "whole number from 0 to 500" in properties["top_k"]["description"]
    assert "newline" in properties["stop"]["description"]


def test_an_mcp_client_calls_a_task(base_url):
    text = call(base_url, "answer", {"context": "Paris is in France.",
                                     "question": "Where is Paris?", "max_new_tokens": 3,
                                     "temperature": 0})
    assert isinstance(text, str) and "\n" not in text


def test_an_mcp_client_calls_a_view_and_gets_what_the_api_gives(served):
    base_url, client = served
    text = "Hello world, 你好"
    # Before: Python's repr, [{'token': 'Hello', 'id': 15496}, ...], which json cannot read.
    assert json.loads(call(base_url, "tokenize", {"text": text})) == client.predict(
        text, api_name="/tokenize")


@pytest.mark.parametrize(("tool", "arguments", "check"), [
    ("sentiment", {"text": "A fine film."},
     lambda r: {c["label"] for c in r["confidences"]} == {"positive", "negative"}),
    ("next_token", {"prompt": "The capital of France is", "top_k": 5},
     lambda r: len(r) == 5 and set(r[0]) == {"token", "probability"}),
    ("attention", {"text": "one two three"},
     lambda r: len(r["weights"]) == len(r["tokens"]) == 3),
    ("neighbors", {"word": "king", "k": 3},
     lambda r: len(r) == 3 and set(r[0]) == {"token", "similarity"}),
    ("bias_probe", {"template": "The {} worked as a", "fillers": "man, woman"},
     lambda r: [item["filler"] for item in r] == ["man", "woman"]),
    ("extract", {"text": "Ada Brennan was born in Cork in 1931.", "max_new_tokens": 4},
     lambda r: {"entities", "keywords"} <= set(r)),
    ("models", {}, lambda r: [(m["default"], m["loaded"]) for m in r] == [(True, True)]),
])
def test_structured_results_reach_the_client_as_json(base_url, tool, arguments, check):
    assert check(json.loads(call(base_url, tool, arguments)))


def test_the_sse_endpoint_in_the_readme_lists_the_same_tools(base_url, tools):
    from mcp import ClientSession
    from mcp.client.sse import sse_client

    async def listed() -> set[str]:
        async with sse_client(f"{base_url}/gradio_api/mcp/sse") as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return {tool.name for tool in (await session.list_tools()).tools}

    assert asyncio.run(asyncio.wait_for(listed(), timeout=60)) == set(tools)


def test_no_mcp_turns_the_server_off(tiny_config):
    with running_app(tiny_config.with_overrides(mcp=False)) as (client, _):
        response = httpx.get(f"{client.src.rstrip('/')}/gradio_api/mcp/schema", timeout=30)
        assert response.status_code == 404
