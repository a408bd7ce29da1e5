"""Hints for ex21_structured_retry, from a nudge to near-code; shown one at a time by hint("ex21_structured_retry").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "A `for` loop over the attempts gives you the bound for free. Catch only the error you can fix "
    "by asking again; everything else should leave the function untouched.",
    "Inside the loop: try the parse() call, `except ValidationError as error:` -- if this was the "
    "last attempt, `raise`; otherwise append a user message holding str(error) and go round again. "
    "After a successful call, check message.refusal before returning message.parsed.",
    "for attempt in range(1, max_attempts + 1): try: completion = await client.chat.completions.parse("
    "model=MODEL, messages=messages, response_format=schema) except ValidationError as error: if "
    "attempt == max_attempts: raise; messages.append({'role': 'user', 'content': f'... {error}'}); "
    "continue. Then: message = completion.choices[0].message; if message.refusal: raise "
    "Refused(message.refusal); return message.parsed.",
]
