"""Hints for ex14_workspace, from a nudge to near-code; shown one at a time by hint("ex14_workspace").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "@asynccontextmanager turns an async generator with exactly one `yield` into an async context "
    "manager: the code before the yield is the setup, the code after it the teardown.",
    "Put the yield inside try/finally: the finally block runs whether the `async with` body "
    "finished, raised or was cancelled. Path(tempfile.mkdtemp(prefix=f\"{name}-\")) makes the "
    "directory; `await asyncio.to_thread(shutil.rmtree, directory)` removes it.",
    "directory = Path(tempfile.mkdtemp(prefix=f\"{name}-\")); try: yield directory finally: await "
    "asyncio.to_thread(shutil.rmtree, directory, ignore_errors=True)",
]
