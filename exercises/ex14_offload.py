# Exercise stub generated from solutions/ex14_offload.py: write your code where it raises NotImplementedError.
"""Lesson 14 (Sync meets async) · Run a blocking function over many inputs without blocking the loop.

Your agent must call a blocking SDK (a sync database driver, a sync HTTP client) for dozens of
inputs. Called directly inside ``async def`` it freezes every task; ``asyncio.to_thread`` moves
it to a thread, but the loop's default pool has only ``min(32, os.cpu_count() + 4)`` threads
(``os.process_cpu_count()`` instead of ``os.cpu_count()`` from Python 3.13).

Your task
---------
Write ``gather_blocking(fn, args, max_threads)``:

* call the blocking ``fn(arg)`` for every ``arg`` in ``args``, never on the event loop's thread;
* run up to ``max_threads`` calls at the same time -- also when ``max_threads`` is larger than
  the default pool -- and never more;
* return the results in the order of ``args``; if a call raises, the error reaches the caller;
* do not wait for leftover threads in a way that blocks the loop (no ``pool.shutdown(wait=True)``
  from async code, which is what ``with ThreadPoolExecutor(...)`` does on exit).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable


async def gather_blocking(fn: Callable[[Any], Any], args: Iterable[Any], max_threads: int) -> list[Any]:
    """``[fn(a) for a in args]``, computed in up to ``max_threads`` threads, without blocking."""
    raise NotImplementedError("ex14_offload.gather_blocking is not written yet: replace this line with your code. Need a nudge? hint('ex14_offload')")
