"""Tests for ex14_workspace: an async context manager that always removes its directory."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest
from _helpers import expect_raises

EXERCISE = "ex14_workspace"

pytestmark = pytest.mark.real_time  # the teardown may use a thread; keep the real clock


@pytest.fixture
def rmtree_calls(monkeypatch):
    """Record on which thread shutil.rmtree runs (patched before the learner's module is imported)."""
    calls: list[bool] = []
    real = shutil.rmtree

    def spy(path, *args, **kwargs):
        calls.append(threading.current_thread() is threading.main_thread())
        return real(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", spy)
    return calls


async def test_yields_a_new_empty_directory(ex):
    """On entry: a directory that exists, is empty, and carries the agent's name."""
    async with ex.workspace("ada") as directory:
        path = Path(directory)
        assert path.is_dir(), f"workspace should yield an existing directory, got {directory!r}."
        assert not any(path.iterdir()), "The new workspace should be empty."
        assert "ada" in path.name, f"The directory's name should contain the agent's name: {path.name!r}."


async def test_removed_after_the_block(ex):
    """After a normal exit, the directory and everything in it are gone."""
    async with ex.workspace("grace") as directory:
        path = Path(directory)
        (path / "notes.md").write_text("remember this")
        (path / "sub").mkdir()
        (path / "sub" / "draft.txt").write_text("draft")
    assert not path.exists(), "The workspace still exists after the `async with` block."


async def test_removed_after_an_error(ex):
    """An exception in the block still removes the directory, and still reaches the caller."""
    with expect_raises(RuntimeError, "the RuntimeError raised inside the block to reach the caller"):
        async with ex.workspace("linus") as directory:
            path = Path(directory)
            (path / "notes.md").write_text("half done")
            raise RuntimeError("tool failed")
    assert not path.exists(), "After an exception inside the block, the workspace was not removed: use try/finally."


async def test_removed_after_cancellation(ex):
    """A cancelled agent's workspace is removed too."""
    seen: list[Path] = []
    started = asyncio.Event()

    async def agent():
        async with ex.workspace("eve") as directory:
            seen.append(Path(directory))
            started.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(agent())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED, timeout=10)
    waiter.cancel()
    if task.done():
        task.result()  # entering the workspace failed: show why
    assert seen, "The agent never entered its workspace."
    task.cancel()
    await asyncio.wait([task], timeout=10)
    assert task.cancelled(), "The cancelled agent should end cancelled: do not catch the CancelledError."
    assert not seen[0].exists(), (
        "After the agent was cancelled, its workspace was not removed: code after `yield` does not run "
        "when the block raises or is cancelled; put the removal in a finally block.")


async def test_agents_are_isolated(ex):
    """Two agents at once get different directories and never see each other's files."""
    async with ex.workspace("a") as one, ex.workspace("b") as two:
        assert Path(one) != Path(two), "Two workspaces share one directory."
        (Path(one) / "secret.md").write_text("only for a")
        assert not (Path(two) / "secret.md").exists() and not any(Path(two).iterdir()), (
            "A file written in one workspace is visible in another.")
    async with ex.workspace("a") as again:
        assert not any(Path(again).iterdir()), "A new workspace with the same name must start empty."


async def test_same_name_at_once_gets_two_directories(ex):
    """Two agents with the same name at the same time get two different, empty directories."""
    async with ex.workspace("twin") as one, ex.workspace("twin") as two:
        assert Path(one) != Path(two), (
            "Two agents named 'twin' got the same directory: create a new one for each workspace "
            "(tempfile.mkdtemp(prefix=...)) instead of building the path from the name.")


async def test_removal_does_not_block_the_loop(rmtree_calls, ex):
    """The directory is removed by shutil.rmtree in a worker thread, not on the event loop's thread."""
    async with ex.workspace("big") as directory:
        for i in range(20):
            (Path(directory) / f"file{i}.txt").write_text("x")
    assert not Path(directory).exists(), "The workspace still exists after the `async with` block."
    assert rmtree_calls, "Remove the directory with shutil.rmtree (in a thread)."
    assert not any(rmtree_calls), (
        "shutil.rmtree ran on the event loop's thread: removing a big directory blocks every other "
        "task meanwhile. Run it in a worker thread: await asyncio.to_thread(shutil.rmtree, directory).")
