"""Lesson 14 (Sync meets async) · Fix a workspace manager that leaks and blocks.

Each agent gets its own scratch directory for notes and downloads. A colleague wrote::

    @asynccontextmanager
    async def workspace(name):
        directory = Path(tempfile.gettempdir()) / f"agent-{name}"
        directory.mkdir(exist_ok=True)
        yield directory
        shutil.rmtree(directory)

It works in a quick try, and has three bugs that show up in production:

* two agents with the same name share one directory, and a directory left over from a crashed
  run is handed out again, files and all;
* when the agent raises or is cancelled inside the ``async with`` block, the code after
  ``yield`` never runs: the directory stays on disk;
* ``shutil.rmtree`` is a blocking call: removing a big directory freezes the event loop, and
  with it every other agent.

Your task
---------
Write a fixed async context manager ``workspace(name)``, used as
``async with workspace("ada") as directory: ...``:

* on entry, create a **new, empty** directory of its own (a ``pathlib.Path``) whose name
  contains ``name`` -- ``tempfile.mkdtemp(prefix=...)`` does that -- and yield it;
* on exit, remove it with everything inside -- after a normal exit, after an exception (which
  must still reach the caller) and after a cancellation;
* remove it without blocking the event loop: run ``shutil.rmtree`` in a worker thread.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator


@asynccontextmanager
async def workspace(name: str) -> AsyncIterator[Path]:
    """A fresh private directory for the ``async with`` block, removed when the block ends."""
    # BEGIN SOLUTION
    directory = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    try:
        yield directory
    finally:
        await asyncio.to_thread(shutil.rmtree, directory, ignore_errors=True)
    # END SOLUTION
