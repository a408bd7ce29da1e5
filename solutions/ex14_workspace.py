"""Lesson 14 (Sync meets async) · A private workspace per agent, always cleaned up.

Each agent gets its own scratch directory for notes and downloads, so concurrent agents never
see each other's files; and the directory must disappear when the agent is done -- also when
it crashes or is cancelled halfway.

Your task
---------
Write the async context manager ``workspace(name)``, used as
``async with workspace("ada") as directory: ...``:

* on entry, create a **new, empty** directory (a ``pathlib.Path``) whose name contains
  ``name`` (``tempfile.mkdtemp(prefix=...)`` does it), and yield it;
* on exit, remove it with everything inside -- after a normal exit, after an exception (which
  must still reach the caller) and after a cancellation;
* don't block the loop while removing a big directory: run ``shutil.rmtree`` in a thread.
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
