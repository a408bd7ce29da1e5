# A class with __aenter__/__aexit__ and run_in_executor instead of a generator.
import shutil
import tempfile


class _Workspace:
    def __init__(self, name):
        self.name = name
        self.path = None

    async def __aenter__(self):
        self.path = Path(tempfile.mkdtemp(prefix=f"agent-{self.name}-"))
        return self.path

    async def __aexit__(self, *exc_info):
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, lambda: shutil.rmtree(self.path, ignore_errors=True))
        return False


def workspace(name):
    return _Workspace(name)
