"""The lesson kernel's event loop runs on course time, so learner code stays plain asyncio."""

from __future__ import annotations

import asyncio
import time

import nbformat
import pytest
from nbclient import NotebookClient

from course_utils import clock, coursetime

SCALE = 0.05  # tests/conftest.py


async def _measure(awaitable) -> tuple[float, float]:
    """(real seconds, loop seconds) spent awaiting ``awaitable``."""
    loop = asyncio.get_running_loop()
    real0, loop0 = time.perf_counter(), loop.time()
    await awaitable
    return time.perf_counter() - real0, loop.time() - loop0


def test_plain_sleep_counts_course_seconds():
    async def main():
        assert coursetime.install()
        assert coursetime.is_installed()
        return await _measure(asyncio.sleep(2))

    real, course = asyncio.run(main())
    assert course >= 2.0, "asyncio.sleep(2) must last at least 2 seconds on the loop's own clock"
    # 2 course seconds are 0.1 real ones; allow a loaded machine three times that.
    assert real < 3 * 2 * SCALE, f"2 course seconds took {real:.3f} real seconds at scale {SCALE}"
    assert real >= 2 * SCALE * 0.9, "the loop must still wait the real equivalent, not skip it"


def test_timeout_fires_in_course_seconds():
    async def main():
        coursetime.install()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1):
                await asyncio.sleep(30)
        return await _measure(asyncio.wait_for(asyncio.sleep(0.5), timeout=5))

    real, course = asyncio.run(main())
    assert 0.5 <= course < 5


def test_course_tools_are_not_scaled_twice():
    async def main():
        coursetime.install()
        return await _measure(clock.sleep(2))

    real, course = asyncio.run(main())
    assert course >= 2.0 and real < 3 * 2 * SCALE, (real, course)


def test_timers_set_before_install_keep_their_real_moment():
    async def main():
        loop = asyncio.get_running_loop()
        fired = loop.create_future()
        start = time.perf_counter()
        loop.call_later(0.2, fired.set_result, None)
        coursetime.install(loop)
        await fired
        return time.perf_counter() - start

    real = asyncio.run(main())
    assert 0.15 <= real < 1.0, f"a 0.2 s real timer fired after {real:.3f} s"


def test_scale_one_changes_nothing(monkeypatch):
    monkeypatch.setenv("COURSE_TIME_SCALE", "1")

    async def main():
        loop = asyncio.get_running_loop()
        before = type(loop.time)
        assert coursetime.install(loop)
        return before, type(loop.time), clock.loop_scale(loop)

    before, after, units = asyncio.run(main())
    assert before is after and units == 1.0


def test_ordinary_loops_are_left_alone():
    async def main():
        return coursetime.is_installed(), clock.loop_scale()

    installed, units = asyncio.run(main())
    assert not installed and units == SCALE


def test_importing_course_utils_in_a_kernel_installs_course_time(tmp_path):
    code = (
        "import asyncio, time\n"
        "import course_utils\n"
        "loop = asyncio.get_running_loop()\n"
        "real0, loop0 = time.perf_counter(), loop.time()\n"
        "await asyncio.sleep(2)\n"
        "print(round(loop.time() - loop0, 2), time.perf_counter() - real0)\n"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    course, real = map(float, nb.cells[0].outputs[0]["text"].split())
    assert course >= 2.0
    assert real < 3 * 2 * SCALE, f"in a kernel, asyncio.sleep(2) took {real:.3f} real seconds"
