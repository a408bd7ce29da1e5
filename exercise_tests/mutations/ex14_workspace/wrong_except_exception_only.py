# MUTATION: cleans up in `except Exception` and after the yield, which misses a cancellation
# EXPECT: After the agent was cancelled, its workspace was not removed
import shutil
import tempfile


@asynccontextmanager
async def workspace(name):
    directory = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    try:
        yield directory
    except Exception:
        await asyncio.to_thread(shutil.rmtree, directory)
        raise
    await asyncio.to_thread(shutil.rmtree, directory)
