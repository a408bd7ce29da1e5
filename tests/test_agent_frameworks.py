"""Optional: popular agent frameworks pointed at the course server (skipped unless installed).

They are not course requirements. To run these, install them next to the course, e.g.
``pip install openai-agents pydantic-ai-slim[openai]`` in a scratch copy of the venv. Each
framework runs a tool-using agent and a structured-output agent on both OpenAI APIs.
"""

from __future__ import annotations

from importlib.util import find_spec

import pytest
from pydantic import BaseModel

from course_utils.serving import serve_async

QUESTION = "What is the weather in Paris?"


class Forecast(BaseModel):
    city: str
    summary: str
    temperature_c: int


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"sunny, 21 C in {city}"


@pytest.fixture
async def base_url():
    async with serve_async(model="sim-instant", seed=7) as url:
        yield url


def _needs(module: str) -> pytest.MarkDecorator:
    # Checked before the server fixture starts a process for nothing.
    return pytest.mark.skipif(find_spec(module) is None, reason=f"{module} is not installed")


@_needs("agents")
@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_openai_agents(base_url, api):
    import agents
    from openai import AsyncOpenAI

    agents.set_tracing_disabled(True)  # its default exporter would post traces to OpenAI
    client = AsyncOpenAI(base_url=base_url, api_key="not-needed")
    model = (agents.OpenAIChatCompletionsModel if api == "chat" else agents.OpenAIResponsesModel)("sim-fast", client)
    tool = agents.function_tool(get_weather)
    agent = agents.Agent(name="weather", instructions="Be brief.", model=model, tools=[tool])
    result = await agents.Runner.run(agent, QUESTION)
    kinds = [type(item).__name__ for item in result.new_items]
    assert kinds == ["ToolCallItem", "ToolCallOutputItem", "MessageOutputItem"]
    assert "sunny, 21 C" in result.final_output
    streamed = agents.Runner.run_streamed(agent, QUESTION)
    async for _ in streamed.stream_events():
        pass
    assert "sunny, 21 C" in streamed.final_output
    structured = agents.Agent(name="forecast", model=model, output_type=Forecast)
    assert isinstance((await agents.Runner.run(structured, "Forecast for Paris")).final_output, Forecast)
    await client.close()


@_needs("pydantic_ai")
@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_pydantic_ai(base_url, api):
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    provider = OpenAIProvider(base_url=base_url, api_key="not-needed")
    model = (OpenAIChatModel if api == "chat" else OpenAIResponsesModel)("sim-fast", provider=provider)
    agent = Agent(model, instructions="Be brief.", tools=[get_weather])
    result = await agent.run(QUESTION)
    assert "sunny, 21 C" in result.output
    async with agent.run_stream(QUESTION) as stream:
        assert "sunny, 21 C" in await stream.get_output()
    # pydantic-ai's structured output is a forced tool call (tool_choice "required").
    forecast = await Agent(model, output_type=Forecast).run("Forecast for Paris")
    assert isinstance(forecast.output, Forecast)


@_needs("langchain_openai")
@pytest.mark.parametrize("use_responses_api", [False, True])
async def test_langchain_openai(base_url, use_responses_api):
    from langchain_core.messages import HumanMessage, ToolMessage
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model="sim-fast", base_url=base_url, api_key="not-needed",
                     use_responses_api=use_responses_api)
    bound = llm.bind_tools([get_weather])
    messages = [HumanMessage(QUESTION)]
    ai = await bound.ainvoke(messages)
    assert [call["name"] for call in ai.tool_calls] == ["get_weather"]
    messages += [ai, *(ToolMessage(get_weather(**c["args"]), tool_call_id=c["id"]) for c in ai.tool_calls)]
    assert "sunny, 21 C" in (await bound.ainvoke(messages)).text
    assert isinstance(await llm.with_structured_output(Forecast).ainvoke("Forecast for Paris"), Forecast)
