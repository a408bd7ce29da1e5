#!/usr/bin/env python3
"""How fast is the course's HTTP server? Run by hand: ``python benchmarks/server.py``.

Prints a few readable lines, then one JSON object as the last line:
  rps_ratio           completions/s of ``course_utils.server`` (model sim-instant: no simulated
                      latency) / requests/s of a bare Starlette JSON endpoint on the same uvicorn
                      settings, same run, same load client (>= 0.5)
  stream_1000_errors  failed streams among 1,000 concurrent streaming clients (== 0)
  cpu_ratio           the same comparison in server CPU time per request (Linux only): it does
                      not move when other programs compete for the CPU
  tool_rps_ratio      the same as rps_ratio for an agent's tool-call round trip: half the requests
                      carry tools and get tool calls back, half carry the tool results and get
                      the final answer. Reported, no threshold: a tool request does more work
                      than a plain one (reading tools, choosing, generating arguments)
  tool_cpu_ratio      the same in server CPU per request (bare / tool-call requests; Linux only)
  tool_round_trip_ms  median wall milliseconds of one whole round trip with the openai SDK
                      (tools -> tool calls -> results -> answer; two requests), sim-instant
Both servers run as subprocesses on 127.0.0.1; nothing else is contacted.

The throughput client is a small keep-alive HTTP/1.1 client on raw asyncio streams: on a
2-core machine an httpx client would saturate before the bare server does, and the ratio would
then measure the client. The 1,000 streams use httpx (what a lesson would use), one connection
each, spread over several AsyncClients because an httpx pool's bookkeeping grows with the square
of its connections.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils.config import DEFAULT_MODEL  # noqa: E402

CONNECTIONS = 32          # concurrent keep-alive connections of the throughput client
WARMUP_S = 0.1            # per window: opening the connections and a first few requests
MEASURE_S = 0.6
ROUNDS = 12               # short paired windows, order alternating; median of the pair ratios
STREAMS = 1000
INSTANT_MODEL = "sim-instant"   # the preset without simulated latency (course_utils.presets)
STREAM_CLIENTS = 20       # httpx pools scan every connection per event: keep each pool small
STREAM_TIMEOUT_S = 120.0


# ----------------------------------------------------------------------------- baseline server


def run_bare_server(argv: list[str]) -> int:
    """A bare Starlette JSON endpoint on the course server's own uvicorn settings."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from course_utils.server import AnnouncingServer, bind, uvicorn_config

    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log-level", default="warning")
    args, _ = parser.parse_known_args(argv)

    async def endpoint(request):  # noqa: ANN001, ANN202 - the smallest possible JSON answer
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/v1/chat/completions", endpoint, methods=["POST"]),
                            Route("/health", endpoint, methods=["GET"])])
    sock = bind(args.host, args.port)
    url = f"http://{args.host}:{sock.getsockname()[1]}/v1"
    server = AnnouncingServer(uvicorn_config(app, log_level=args.log_level),
                              on_ready=lambda: print(f"bare Starlette at {url}", flush=True),
                              watch_parent=True)
    server.run(sockets=[sock])
    return 0


# ----------------------------------------------------------------------------- load client


def _request_bytes(host: str, port: int, body: bytes) -> bytes:
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nAuthorization: Bearer bench\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _worker(host: str, port: int, requests: list[bytes], offset: int, warm_until: float,
                  stop_at: float, counts: dict[str, int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    try:
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            writer.write(requests[i % len(requests)])
            i += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            lower = head.lower()
            at = lower.find(b"content-length:")
            if at < 0:
                raise RuntimeError("expected a content-length response")
            length = int(lower[at + 15: lower.find(b"\r\n", at)])
            await reader.readexactly(length)
            counts["all"] += 1
            if now >= warm_until:
                counts["ok" if status == b"200" else "bad"] += 1
    finally:
        writer.close()


async def measure_rps(base_url: str, bodies: list[bytes]) -> tuple[float, int, int]:
    """Requests/s over MEASURE_S after WARMUP_S, answers that were not 200, answers in all."""
    hostport = base_url.split("//", 1)[1].split("/", 1)[0]
    host, port = hostport.rsplit(":", 1)
    requests = [_request_bytes(host, int(port), b) for b in bodies]
    counts = {"ok": 0, "bad": 0, "all": 0}
    start = time.perf_counter()
    warm_until, stop_at = start + WARMUP_S, start + WARMUP_S + MEASURE_S
    await asyncio.gather(*(_worker(host, int(port), requests, k * 7, warm_until, stop_at, counts)
                           for k in range(CONNECTIONS)))
    return counts["ok"] / MEASURE_S, counts["bad"], counts["all"]


async def streams(base_url: str, n: int) -> tuple[int, float, list[str]]:
    """``n`` concurrent streaming clients; each must see 200, tokens and ``data: [DONE]``."""
    import httpx

    per_client = -(-n // STREAM_CLIENTS)
    limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
    problems: list[str] = []
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(httpx.AsyncClient(
            base_url=base_url, limits=limits, trust_env=False,
            timeout=httpx.Timeout(STREAM_TIMEOUT_S))) for _ in range(STREAM_CLIENTS)]

        async def one(i: int) -> None:
            body = {"model": DEFAULT_MODEL, "stream": True, "stream_options": {"include_usage": True},
                    "messages": [{"role": "user", "content": f"Summarize: stream number {i}"}]}
            try:
                async with clients[i % STREAM_CLIENTS].stream("POST", "/chat/completions", json=body) as response:
                    if response.status_code != 200:
                        problems.append(f"status {response.status_code}")
                        return
                    events = [line async for line in response.aiter_lines() if line.startswith("data: ")]
                if events[-1] != "data: [DONE]" or len(events) < 4:
                    problems.append(f"stream {i} ended without [DONE]")
                    return
                usage = json.loads(events[-2][6:])["usage"]
                if usage["completion_tokens"] != len(events) - 4:  # role, finish, usage, [DONE]
                    problems.append(f"stream {i}: {len(events) - 4} tokens, usage says {usage}")
            except Exception as error:  # noqa: BLE001 - every failure counts, whatever it is
                problems.append(f"stream {i}: {type(error).__name__}: {error}")

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - start
    return len(problems), wall, problems


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a process (Linux /proc; 0.0 elsewhere, which disables cpu_ratio)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
        return uvloop.new_event_loop()
    except ImportError:
        return asyncio.new_event_loop()


# ----------------------------------------------------------------------------- tool calls

WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"], "additionalProperties": False}}}
CITIES = ["Oslo", "Lima", "Paris", "Rome", "Tokyo", "Cairo", "Quito", "Perth"]


def tool_bodies(n: int = 64) -> list[bytes]:
    """An agent's two requests per round trip: the question with tools, then the results."""
    bodies = []
    for i in range(n // 2):
        question = [{"role": "user", "content": f"What is the weather in {CITIES[i % len(CITIES)]}?"}]
        bodies.append(json.dumps({"model": INSTANT_MODEL, "messages": question,
                                  "tools": [WEATHER_TOOL]}).encode())
        call = {"id": f"call_{i:024d}", "type": "function", "function": {
            "name": "get_weather", "arguments": json.dumps({"city": CITIES[i % len(CITIES)]})}}
        follow_up = question + [{"role": "assistant", "content": None, "tool_calls": [call]},
                                {"role": "tool", "tool_call_id": call["id"], "content": "sunny, 21 C"}]
        bodies.append(json.dumps({"model": INSTANT_MODEL, "messages": follow_up,
                                  "tools": [WEATHER_TOOL]}).encode())
    return bodies


async def tool_round_trips(base_url: str, n: int = 200) -> tuple[float, int]:
    """Median wall ms of a round trip through the openai SDK, and how many went wrong."""
    import openai

    wrong = 0
    times = []
    async with openai.AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0) as client:
        for i in range(n):
            start = time.perf_counter()
            messages = [{"role": "user", "content": f"What is the weather in {CITIES[i % len(CITIES)]}?"}]
            first = await client.chat.completions.create(model=INSTANT_MODEL, messages=messages,
                                                         tools=[WEATHER_TOOL])
            message = first.choices[0].message
            if first.choices[0].finish_reason != "tool_calls" or not message.tool_calls:
                wrong += 1
                continue
            messages.append(message.model_dump(exclude_none=True))
            for c in message.tool_calls:
                messages.append({"role": "tool", "tool_call_id": c.id, "content": "sunny, 21 C"})
            final = await client.chat.completions.create(model=INSTANT_MODEL, messages=messages,
                                                         tools=[WEATHER_TOOL])
            times.append(time.perf_counter() - start)
            if final.choices[0].finish_reason != "stop" or "sunny, 21 C" not in (final.choices[0].message.content or ""):
                wrong += 1
    return statistics.median(times[n // 10:]) * 1000, wrong  # the first tenth warms up


# ----------------------------------------------------------------------------- main


def main() -> int:
    from course_utils.serving import ServerProcess, server_args

    bodies = [json.dumps({"model": INSTANT_MODEL, "messages": [
        {"role": "user", "content": f"Summarize: report {i} on agents waiting for tools"}]}).encode()
        for i in range(64)]
    env = {**os.environ, "COURSE_TIME_SCALE": "1.0"}
    course = ServerProcess(server_args(model=INSTANT_MODEL), env=env)
    bare = ServerProcess(["--host", "127.0.0.1", "--port", "0", "--log-level", "warning"], env=env,
                         command=[sys.executable, str(Path(__file__).resolve()), "--bare-server"])
    loop = _new_loop()
    course_rps: list[float] = []
    bare_rps: list[float] = []
    tool_rps: list[float] = []
    tools = tool_bodies()
    bad = 0
    try:
        course_url, bare_url = course.start(), bare.start()
        # Short paired windows: whatever else the machine is doing hits both halves of a pair
        # alike, and alternating which goes first cancels any drift within a pair.
        cpu_course = cpu_bare = cpu_tool = 0.0
        for i in range(ROUNDS):
            pair = [(course, course_url, course_rps), (bare, bare_url, bare_rps)]
            for server, url, out in (pair if i % 2 == 0 else pair[::-1]):
                before = _cpu_seconds(server.pid)
                rps, wrong, answered = loop.run_until_complete(measure_rps(url, bodies))
                used = _cpu_seconds(server.pid) - before
                if server is course:
                    cpu_course += used / max(answered, 1)
                else:
                    cpu_bare += used / max(answered, 1)
                out.append(rps)
                bad += wrong
            # The agent's round trip, right after the pair: compared with the same bare figure.
            before = _cpu_seconds(course.pid)
            rps, wrong, answered = loop.run_until_complete(measure_rps(course_url, tools))
            cpu_tool += (_cpu_seconds(course.pid) - before) / max(answered, 1)
            tool_rps.append(rps)
            bad += wrong
        ratios = [c / b for c, b in zip(course_rps, bare_rps) if b]
        tool_ratios = [c / b for c, b in zip(tool_rps, bare_rps) if b]
        round_trip_ms, wrong_trips = loop.run_until_complete(tool_round_trips(course_url))
        print(f"course server (sim-instant): {statistics.median(course_rps):8.0f} completions/s")
        print(f"bare Starlette endpoint:     {statistics.median(bare_rps):8.0f} requests/s")
        print(f"paired ratios: {', '.join(f'{r:.2f}' for r in ratios)}")
        print(f"tool-call round trips (tools, then results): {statistics.median(tool_rps):8.0f} "
              f"requests/s, ratio {statistics.median(tool_ratios):.2f}; one whole round trip with "
              f"the openai SDK: {round_trip_ms:.2f} ms median ({wrong_trips} wrong)")
        cpu_ratio = cpu_bare / cpu_course if cpu_course > 0 else None
        tool_cpu_ratio = cpu_bare / cpu_tool if cpu_tool > 0 else None
        if cpu_ratio is not None:  # the same comparison in server CPU per request: less noisy
            print(f"server CPU per request: course {cpu_course / ROUNDS * 1e6:.0f} us, "
                  f"bare {cpu_bare / ROUNDS * 1e6:.0f} us, tool-call round-trip requests "
                  f"{cpu_tool / ROUNDS * 1e6:.0f} us")
        bare.stop()
        course.stop()

        stream_server = ServerProcess(server_args(model=DEFAULT_MODEL), env=env)
        try:
            stream_url = stream_server.start()
            errors, wall, problems = loop.run_until_complete(streams(stream_url, STREAMS))
            stats = stream_server.stats()
        finally:
            stream_server.stop()
        print(f"{STREAMS} concurrent streams ({DEFAULT_MODEL}, time scale 1): {errors} errors, "
              f"wall {wall:.2f} s, server saw {stats['statuses']}")
        for line in problems[:5]:
            print("  ", line)
    finally:
        course.stop()
        bare.stop()
        loop.close()
    result = {
        "rps_ratio": round(statistics.median(ratios), 3) if ratios else 0.0,
        "stream_1000_errors": errors,
        "course_rps": round(statistics.median(course_rps)),
        "bare_rps": round(statistics.median(bare_rps)),
        "cpu_ratio": round(cpu_ratio, 3) if cpu_ratio else None,
        "tool_rps_ratio": round(statistics.median(tool_ratios), 3) if tool_ratios else 0.0,
        "tool_cpu_ratio": round(tool_cpu_ratio, 3) if tool_cpu_ratio else None,
        "tool_round_trip_ms": round(round_trip_ms, 2),
        "tool_round_trip_wrong": wrong_trips,
        "non_200_answers": bad,
        "stream_1000_wall_s": round(wall, 2),
        "connections": CONNECTIONS,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--bare-server":
        sys.exit(run_bare_server(sys.argv[2:]))
    sys.exit(main())
