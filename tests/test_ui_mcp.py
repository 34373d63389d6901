"""The MCP server: every registered task is a tool, described by the task's own docs, and a
real MCP client can call one; --no-mcp turns the server off."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from lmdemo.tasks import all_tasks
from tests.ui_server import running_app


@pytest.fixture(scope="module")
def base_url(tiny_config):
    with running_app(tiny_config) as (client, _):
        yield client.src.rstrip("/")


def test_schema_lists_every_task_with_its_docs(base_url):
    schema = httpx.get(f"{base_url}/gradio_api/mcp/schema", timeout=30).json()
    tools = {tool["name"]: tool for tool in schema}
    for task in all_tasks():
        assert task.name in tools, task.name
        tool = tools[task.name]
        assert tool["description"].startswith(task.doc)
        properties = tool["inputSchema"]["properties"]
        for field in task.fields:
            assert field.name in properties
            assert properties[field.name]["description"] == field.help


def test_an_mcp_client_calls_a_task(base_url):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async def call() -> tuple[set[str], str]:
        async with streamablehttp_client(f"{base_url}/gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                listed = {tool.name for tool in (await session.list_tools()).tools}
                result = await session.call_tool(
                    "answer", {"context": "Paris is in France.", "question": "Where is Paris?",
                               "max_new_tokens": 3, "temperature": 0})
                assert not result.isError, result
                return listed, result.content[0].text

    listed, text = asyncio.run(asyncio.wait_for(call(), timeout=60))
    assert {task.name for task in all_tasks()} <= listed
    assert isinstance(text, str) and "\n" not in text


def test_no_mcp_turns_the_server_off(tiny_config):
    with running_app(tiny_config.with_overrides(mcp=False)) as (client, _):
        response = httpx.get(f"{client.src.rstrip('/')}/gradio_api/mcp/schema", timeout=30)
        assert response.status_code == 404
