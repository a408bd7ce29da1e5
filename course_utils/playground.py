"""A slider, a button and a plot that redraws: try a concurrency yourself (introduced in lesson 08).

``await concurrency_playground(measure, draw)`` shows a slider ("in flight") and a button. Each
press runs ``await measure(slider.value)`` in a task on the notebook's event loop, stores the
result under that value, and redraws ``draw(results)`` (a matplotlib Figure of every value tried
so far). The cell itself presses the button once, so the plot is there even when nobody is
watching (and nbval runs the very code a click runs).

Why a task: a widget callback is a plain function, it cannot ``await``; it schedules the run
with ``asyncio.ensure_future`` and keeps a reference until it finishes. Why the plot is an
``Image`` whose value changes rather than an ``Output`` written ``with output:``: see
:mod:`course_utils.widgets` (output from such a task never reaches JupyterLab).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from .widgets import error_html, figure_png, start_task, status_html, wait_for_started

__all__ = ["Playground", "concurrency_playground"]


@dataclass
class Playground:
    """The widgets and every result so far (``runs[value]``). Introduced in lesson 08."""

    measure: Callable[[int], Awaitable[dict[str, Any]]]
    draw: Callable[[dict[int, dict[str, Any]]], Any]
    requests: int
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    widget: Any = None
    slider: Any = None
    button: Any = None
    image: Any = None
    status: Any = None
    redraws: int = 0

    def _describe(self, value: int, run: dict[str, Any]) -> str:
        figures = ", ".join(f"{v:.1f} {k}" if isinstance(v, float) else f"{v} {k}"
                            for k, v in run.items())
        return f"{self.requests} requests with {value} in flight: {figures}"

    async def run(self, value: int) -> None:
        """One press of the button: measure, remember, redraw (all through widget state)."""
        self.button.disabled = True
        self.status.value = status_html(f"running {self.requests} requests with {value} in flight ...")
        try:
            self.runs[value] = await self.measure(value)
            fig = self.draw(dict(sorted(self.runs.items())))
            self.image.value = figure_png(fig)
            self.redraws += 1
            self.status.value = status_html(self._describe(value, self.runs[value]))
        finally:
            self.button.disabled = False

    def _on_error(self, error: BaseException) -> None:
        self.status.value = error_html(error)

    def press(self, _: Any = None) -> None:
        """What the button does: schedule one run with the slider's current value."""
        value = int(self.slider.value)
        start_task(lambda: self.run(value), self._on_error, name=f"playground-{value}")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


async def concurrency_playground(measure: Callable[[int], Awaitable[dict[str, Any]]],
                                 draw: Callable[[dict[int, dict[str, Any]]], Any], *,
                                 requests: int = 20, value: int = 4, low: int = 1,
                                 high: int = 32) -> Playground:
    """Show the playground, press its button once and wait for that run. Introduced in lesson 08.

    ``measure(concurrency)`` returns a dict of figures (e.g. ``{"throughput": 9.5, "429s": 3}``);
    ``draw(runs)`` turns ``{concurrency: figures}`` into a matplotlib Figure.
    """
    import ipywidgets as widgets
    from IPython.display import display

    from .sitebuild import building_site, show_snapshot

    pg = Playground(measure, draw, requests)
    pg.slider = widgets.IntSlider(value=value, min=low, max=high, description="in flight")
    pg.button = widgets.Button(description=f"Run {requests} requests", button_style="primary")
    pg.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
    pg.status = widgets.HTML()
    pg.widget = widgets.VBox([widgets.HBox([pg.slider, pg.button]), pg.status, pg.image])
    pg.widget.add_class("course-playground")  # the browser tests find it by this class
    pg.button.on_click(pg.press)
    # On the static website (scripts/build_site.py) live widgets cannot react: show the first
    # run's picture and a note to play with it in JupyterLab instead.
    static = building_site()
    if not static:
        display(pg.widget)
    pg.button.click()            # exactly what pressing the button does...
    await wait_for_started()     # ...and, here only, wait for it so the cell shows the plot
    if value not in pg.runs:
        raise RuntimeError(f"the playground's first run did not finish: {pg.status.value}")
    if static:
        show_snapshot(pg.image.value, "The concurrency playground is interactive")
    return pg
