# MUTATION: fixes the finally, but removes the directory with a blocking rmtree on the loop's thread
# EXPECT: shutil.rmtree ran on the event loop's thread
import shutil
import tempfile


@asynccontextmanager
async def workspace(name):
    directory = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
