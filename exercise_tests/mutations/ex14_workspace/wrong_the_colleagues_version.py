# MUTATION: the colleague's code: a path built from the name, removal after yield, blocking rmtree
# EXPECT: put the removal in a finally block
# EXPECT: tempfile.mkdtemp
import shutil
import tempfile


@asynccontextmanager
async def workspace(name):
    directory = Path(tempfile.gettempdir()) / f"agent-{name}"
    directory.mkdir(exist_ok=True)
    yield directory
    shutil.rmtree(directory)
