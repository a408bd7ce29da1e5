"""``POST /v1/responses``: OpenAI's Responses API over the simulated model (lesson 10).

An adapter, not a second model: the body is checked and translated into chat messages
(:mod:`course_utils.responses_request`), planned by the same engine, with the same rate limits
and fault model as ``/v1/chat/completions`` (a 429 with retry headers before any byte of the
answer, 500/503, hangs, cut connections), then rendered as a ``response`` object or as the
``response.*`` Server-Sent Events the openai SDK's ``responses.stream()`` state machine expects:
``created`` → ``in_progress`` → per output item ``output_item.added`` → deltas → ``…done`` →
``completed``, numbered by ``sequence_number``.

Stored responses (``store`` defaults to true, as on the real API) are kept in memory, at most
:data:`MAX_STORED`, so ``previous_response_id`` chaining and ``GET /v1/responses/{id}`` work.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Any

from . import clock, outcomes
from .chat_request import ChatRequest
from .faults import LLMError
from .llm import CallPlan, ToolCallDelta
from .responses_request import ResponsesRequest, parse_responses_request
from .server import (ChatCompletions, Receive, Send, ServerState, _header_list, _json_bytes,
                     _ratelimit_headers, _sleep_or_watch, _wait_for_disconnect)

#: How many stored responses are kept (oldest dropped first), so memory stays bounded.
MAX_STORED = 1000


def _usage(plan: CallPlan, output_tokens: int) -> dict[str, Any]:
    return {"input_tokens": plan.prompt_tokens, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": plan.prompt_tokens + output_tokens}


class Rendered:
    """The ids and items of one planned response, for both the JSON and the event renderings."""

    def __init__(self, request: ResponsesRequest, plan: CallPlan) -> None:
        self.request, self.plan = request, plan
        suffix = plan.request_id.removeprefix("req_")
        self.id = f"resp_{suffix}"
        self.message_id = f"msg_{suffix}"
        self.created_at = int(time.time())
        self.calls = plan.tool_calls
        # A reply that only calls tools has no message item (the real API sends none).
        self.has_message = bool(plan.text) or not self.calls
        incomplete = plan.finish_reason == "length"
        self.status = "incomplete" if incomplete else "completed"

    def call_id_of(self, index: int) -> str:
        """The output item id of call ``index`` (distinct from the call's ``call_id``)."""
        return f"fc_{self.id[5:]}_{index}"

    def call_item(self, index: int, *, done: bool) -> dict[str, Any]:
        call = self.calls[index]
        return {"id": self.call_id_of(index), "type": "function_call", "call_id": call.id,
                "name": call.name, "arguments": call.arguments if done else "",
                "status": "completed" if done else "in_progress"}

    def message_item(self, *, done: bool) -> dict[str, Any]:
        content = [{"type": "output_text", "text": self.plan.text, "annotations": [],
                    "logprobs": []}] if done else []
        return {"id": self.message_id, "type": "message", "role": "assistant",
                "status": "completed" if done else "in_progress", "content": content}

    def output(self) -> list[dict[str, Any]]:
        items = [self.message_item(done=True)] if self.has_message else []
        return items + [self.call_item(i, done=True) for i in range(len(self.calls))]

    def response(self, *, status: str, output: list[dict[str, Any]] | None,
                 usage: dict[str, Any] | None) -> dict[str, Any]:
        echo = self.request.echo
        return {
            "id": self.id, "object": "response", "created_at": self.created_at,
            "status": status, "background": False, "error": None,
            "incomplete_details": ({"reason": "max_output_tokens"} if status == "incomplete"
                                   else None),
            "model": self.plan.model, "output": output if output is not None else [],
            "reasoning": {"effort": None, "summary": None}, "usage": usage, **echo,
        }

    def conversation(self) -> list[dict[str, Any]]:
        """The stored conversation: the input, then this reply as one assistant turn."""
        reply: dict[str, Any] = {"role": "assistant", "content": self.plan.text if self.has_message else ""}
        if self.calls:
            reply["tool_calls"] = [{"id": c.id, "type": "function",
                                    "function": {"name": c.name, "arguments": c.arguments}}
                                   for c in self.calls]
        return [*self.request.conversation, reply]


class _Events:
    """Numbers and frames ``response.*`` events as SSE (``event:`` line plus ``data:`` JSON)."""

    def __init__(self) -> None:
        self.sequence = 0

    def __call__(self, type: str, **fields: Any) -> bytes:
        payload = {"type": type, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return b"event: " + type.encode() + b"\ndata: " + _json_bytes(payload) + b"\n\n"


class Responses(ChatCompletions):
    """``POST /v1/responses`` as a bare ASGI endpoint, beside :class:`ChatCompletions`."""

    def __init__(self, state: ServerState) -> None:
        super().__init__(state)
        self.stored: OrderedDict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = OrderedDict()

    # -- storage

    def lookup(self, response_id: str) -> list[dict[str, Any]] | None:
        entry = self.stored.get(response_id)
        return None if entry is None else entry[1]

    def _store(self, rendered: Rendered, response: dict[str, Any]) -> None:
        if not rendered.request.store:
            return
        self.stored[rendered.id] = (response, rendered.conversation())
        while len(self.stored) > MAX_STORED:
            self.stored.popitem(last=False)

    # -- the request

    async def _handle(self, scope: dict[str, Any], receive: Receive, send: Send,
                      answering: list[bool]) -> None:
        state, engine = self.state, self.engine
        started = time.perf_counter()
        course_start = clock.now()
        incoming = await self._incoming(scope, receive)
        if incoming is None:
            return
        body, authorization, forced = incoming
        request = parse_responses_request(body, self.lookup)
        chat = ChatRequest(model=request.model, messages=request.messages, stream=request.stream,
                           max_tokens=request.max_output_tokens, tools=request.tools or None,
                           tool_choice=request.tool_choice,
                           parallel_tool_calls=request.parallel_tool_calls,
                           response_format=request.response_format)
        # From here on exactly as /v1/chat/completions: the engine's one outcome interpreter
        # (course_utils.outcomes) says what to wait, what to deliver and how it ends.
        decided = await self._decide(chat, authorization, forced, receive, course_start, "input")
        if decided is None:
            return
        plan, steps, bucket = decided
        headers = [(b"x-request-id", plan.request_id.encode()), *_header_list(_ratelimit_headers(bucket))]
        rendered = Rendered(request, plan)
        if request.stream:
            state.stats.statuses[200] += 1
            answering[0] = True
            await self._stream_events(rendered, steps, headers, receive, send, course_start)
            return
        if not await self._wait(steps.total, receive, plan, course_start):
            return
        state.stats.statuses[200] += 1
        answering[0] = True
        response = rendered.response(status=rendered.status, output=rendered.output(),
                                     usage=_usage(plan, plan.completion_tokens))
        if steps.error is not None:  # a cut: promise the whole body, deliver half, hang up
            await self._cut(plan, steps, headers, send, course_start, payload=_json_bytes(response))
            return
        latency = clock.now() - course_start
        outcomes.settle(engine, plan, steps, latency)
        self._store(rendered, response)
        await self._send_json(send, headers, _json_bytes(response), latency, started)

    async def _stream_events(self, rendered: Rendered, steps: outcomes.Steps,
                             headers: list[tuple[bytes, bytes]], receive: Receive, send: Send,
                             course_start: float) -> None:
        """The plan's pieces as ``response.*`` events, paced as the outcome's steps say.

        Pieces come in order -- content tokens, then per call a header piece (id, name) and its
        argument fragments -- so each output item is streamed whole before the next starts.
        """
        engine, stats, plan = self.engine, self.state.stats, rendered.plan
        stats.streams_open += 1
        pace = steps.gap > 0 or plan.outcome == "hang"
        watcher = asyncio.ensure_future(_wait_for_disconnect(receive)) if pace else None
        event = _Events()
        pending: list[bytes] = []
        delivered = 0

        async def flush(more: bool = True) -> None:
            await send({"type": "http.response.body", "body": b"".join(pending), "more_body": more})
            pending.clear()

        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers + [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]})
            start = rendered.response(status="in_progress", output=[], usage=None)
            pending.append(event("response.created", response=start))
            pending.append(event("response.in_progress", response=start))
            await flush()
            if steps.first > 0:
                if watcher is not None:
                    if not await _sleep_or_watch(watcher, steps.first):
                        outcomes.abandon(engine, plan, clock.now() - course_start, 0)
                        return
                else:
                    await clock.sleep(steps.first)
            pieces = plan.pieces if steps.emit else ()
            current: int | None = None  # the output index of the item being streamed
            for i in range(steps.emit):
                if watcher is not None and watcher.done():
                    outcomes.abandon(engine, plan, clock.now() - course_start, delivered)
                    return
                if i and steps.gap > 0:
                    await clock.sleep(steps.gap)
                current = self._piece(rendered, event, pending, current, pieces[i])
                delivered += 1
                if pace:
                    await flush()
            if steps.tail > 0:
                await clock.sleep(steps.tail)
            if steps.error is not None:  # a cut: what was sent, then hang up without the end
                if pending:
                    await flush()
                try:
                    outcomes.settle(engine, plan, steps, clock.now() - course_start)
                except LLMError:
                    pass
                stats.cut += 1
                return  # uvicorn closes the connection: the client sees the stream break
            # Close the last item, and stream any item that had no pieces at all.
            if rendered.has_message and current is None:
                self._open(rendered, event, pending, 0)
                current = 0
            total_items = int(rendered.has_message) + len(rendered.calls)
            while current is not None and current < total_items:
                self._close(rendered, event, pending, current)
                current += 1
                if current < total_items:
                    self._open(rendered, event, pending, current)
            completion = outcomes.settle(engine, plan, steps, clock.now() - course_start)
            response = rendered.response(status=rendered.status, output=rendered.output(),
                                         usage=_usage(plan, completion.completion_tokens))
            self._store(rendered, response)
            final = "response.incomplete" if rendered.status == "incomplete" else "response.completed"
            pending.append(event(final, response=response))
            await flush(more=False)
        except asyncio.CancelledError:
            outcomes.abandon(engine, plan, clock.now() - course_start, delivered)
            raise
        finally:
            stats.streams_open -= 1
            if watcher is not None:
                watcher.cancel()

    def _piece(self, rendered: Rendered, event: _Events, pending: list[bytes],
               current: int | None, piece: str | ToolCallDelta) -> int:
        """Emit one piece; returns the output index now being streamed."""
        if isinstance(piece, str):
            if current is None:
                self._open(rendered, event, pending, 0)
                current = 0
            pending.append(event("response.output_text.delta", item_id=rendered.message_id,
                                 output_index=0, content_index=0, delta=piece, logprobs=[]))
            return current
        index = piece.index + int(rendered.has_message)
        if piece.id is not None:  # a call's first piece: finish what came before, open the call
            if rendered.has_message and current is None:
                self._open(rendered, event, pending, 0)
                current = 0
            if current is not None:
                self._close(rendered, event, pending, current)
            self._open(rendered, event, pending, index)
            return index
        pending.append(event("response.function_call_arguments.delta",
                             item_id=rendered.call_id_of(piece.index), output_index=index,
                             delta=piece.arguments))
        return index

    @staticmethod
    def _open(rendered: Rendered, event: _Events, pending: list[bytes], output_index: int) -> str:
        if rendered.has_message and output_index == 0:
            pending.append(event("response.output_item.added", output_index=0,
                                 item=rendered.message_item(done=False)))
            pending.append(event("response.content_part.added", item_id=rendered.message_id,
                                 output_index=0, content_index=0,
                                 part={"type": "output_text", "text": "", "annotations": [],
                                       "logprobs": []}))
            return rendered.message_id
        item = rendered.call_item(output_index - int(rendered.has_message), done=False)
        pending.append(event("response.output_item.added", output_index=output_index, item=item))
        return item["id"]

    @staticmethod
    def _close(rendered: Rendered, event: _Events, pending: list[bytes], output_index: int) -> None:
        if rendered.has_message and output_index == 0:
            text = rendered.plan.text
            part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
            pending.append(event("response.output_text.done", item_id=rendered.message_id,
                                 output_index=0, content_index=0, text=text, logprobs=[]))
            pending.append(event("response.content_part.done", item_id=rendered.message_id,
                                 output_index=0, content_index=0, part=part))
            pending.append(event("response.output_item.done", output_index=0,
                                 item=rendered.message_item(done=True)))
            return
        item = rendered.call_item(output_index - int(rendered.has_message), done=True)
        pending.append(event("response.function_call_arguments.done", item_id=item["id"],
                             output_index=output_index, arguments=item["arguments"]))
        pending.append(event("response.output_item.done", output_index=output_index, item=item))
