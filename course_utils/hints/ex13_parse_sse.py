"""Hints for ex13_parse_sse, from a nudge to near-code; shown one at a time by hint("ex13_parse_sse").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Loop with `async for line in lines:`; keep only lines that start with 'data:', take what "
    "follows the colon, strip it, and check for '[DONE]' before parsing anything as JSON.",
    "json.loads(data) gives a dict; `chunk.get(\"choices\") or []` protects you from the usage "
    "chunk, and `choices[0].get(\"delta\", {}).get(\"content\")` from deltas without text. Return "
    "inside the loop at [DONE]; reaching the end of the loop means the stream was cut.",
    "parts = []; async for line in lines: if not line.startswith('data:'): continue; data = "
    "line[5:].strip(); if data == '[DONE]': return ''.join(parts); choices = json.loads(data).get("
    "'choices') or []; content = choices[0].get('delta', {}).get('content') if choices else None; "
    "if content: parts.append(content) -- after the loop: raise StreamInterrupted('cut', "
    "tokens_received=len(parts))",
]
