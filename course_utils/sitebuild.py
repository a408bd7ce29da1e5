"""Is this kernel executing a lesson for the static course website? Then show widgets as pictures.

``python3 run.py site`` (``scripts/build_site.py``) executes every lesson with the environment
variable ``COURSE_SITE_BUILD=1``. A static web page cannot run a slider or a button (there is no
kernel behind it), so an interactive cell asks :func:`building_site` and, when it is true, shows
:func:`show_snapshot` -- a PNG of what the widget drew plus the note "run it in JupyterLab to
play" -- instead of the live widget. In JupyterLab and under the tests nothing changes.

Usage from a widget module (e.g. the concurrency playground)::

    from .sitebuild import building_site, show_snapshot
    if building_site():
        show_snapshot(png_bytes, "The concurrency playground is interactive")
    else:
        display(widget)
"""

from __future__ import annotations

import html
import os

__all__ = ["SITE_BUILD_ENV", "PLAY_NOTE", "building_site", "show_snapshot"]

#: Set to "1" by the site builder in the kernels it starts; unset everywhere else.
SITE_BUILD_ENV = "COURSE_SITE_BUILD"
#: The sentence every static stand-in for a widget carries (the site's tests look for it).
PLAY_NOTE = "run it in JupyterLab to play"


def building_site() -> bool:
    """True while the site builder executes this kernel's notebook (``COURSE_SITE_BUILD=1``)."""
    return os.environ.get(SITE_BUILD_ENV, "") == "1"


def snapshot_note(what: str = "This widget is interactive") -> str:
    """The HTML note shown under a widget's static picture: '<what>: run it in JupyterLab...'."""
    return (f'<p class="course-static-widget"><em>{html.escape(what)}: {PLAY_NOTE} '
            f"(<code>python3 run.py lab</code>).</em></p>")


def show_snapshot(png: bytes | None, what: str = "This widget is interactive") -> None:
    """Display a widget's picture (if any) and the note, as plain outputs a static page keeps."""
    from IPython.display import HTML, Image, display

    if png:
        display(Image(data=png, format="png"))
    display(HTML(snapshot_note(what)))
