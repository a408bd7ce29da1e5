"""LiveText (the streaming view of lesson 09) and plot_arrivals."""

from __future__ import annotations

import io
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest
from matplotlib.figure import Figure

from course_utils import SimulatedLLM, live
from course_utils.live import LiveText, plot_arrivals


class FakeHandle:
    def __init__(self, first: object) -> None:
        self.shown = [first]

    def update(self, obj: object) -> None:
        self.shown.append(obj)


@pytest.fixture
def fake_display(monkeypatch: pytest.MonkeyPatch) -> list[FakeHandle]:
    handles: list[FakeHandle] = []

    def display(obj: object, display_id: bool = False) -> FakeHandle:
        assert display_id is True
        handles.append(FakeHandle(obj))
        return handles[-1]

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", display)
    return handles


def test_text_mode_writes_tokens_as_they_come() -> None:
    out = io.StringIO()
    view = LiveText("answer", mode="text", file=out)
    for token in [" Hello", ",", " world", "."]:
        view.append(token)
    assert out.getvalue() == "answer\nHello, world."
    view.done("4 tokens")
    assert view.text == "Hello, world."
    assert out.getvalue().endswith("[4 tokens]\n")
    assert view.finished and view.state == "done"


def test_outside_a_kernel_auto_means_text() -> None:
    assert not live.in_notebook()
    assert LiveText(mode="auto", file=io.StringIO()).mode == "text"


def test_restart_wipes_the_text() -> None:
    out = io.StringIO()
    view = LiveText(mode="text", file=out)
    view.append(" half an")
    view.restart("connection lost, retrying")
    view.append(" whole answer")
    assert view.text == "whole answer"
    assert "[connection lost, retrying]" in out.getvalue()


def test_notebook_mode_updates_one_output_in_place(fake_display: list[FakeHandle]) -> None:
    view = LiveText("sim-large", mode="notebook", min_interval=0.0)
    for token in [" one", " two", " three"]:
        view.append(token)
    view.done("3 tokens")
    assert len(fake_display) == 1  # one output, redrawn: not one output per token
    shown = fake_display[0].shown
    assert len(shown) == view.redraws == 5  # first draw, 3 tokens, final
    html = shown[-1]._repr_html_()
    assert "one two three" in html and "3 tokens" in html
    assert "&#9612;" not in html  # the cursor is gone once done
    assert "&#9612;" in shown[-2]._repr_html_()


def test_notebook_redraws_are_throttled(fake_display: list[FakeHandle]) -> None:
    view = LiveText(mode="notebook", min_interval=60.0)
    for i in range(200):
        view.append(f" t{i}")
    assert view.redraws == 1  # nothing redrawn within the interval...
    view.done()
    assert view.redraws == 2  # ...but the final state always is
    assert fake_display[0].shown[-1].text.endswith("t199")


def test_html_is_escaped(fake_display: list[FakeHandle]) -> None:
    view = LiveText("<b>title</b>", mode="notebook", min_interval=0.0)
    view.append(" <script>alert(1)</script>")
    html = view._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>title</b>" not in html


def test_context_manager_marks_errors_and_cancellation() -> None:
    with pytest.raises(ValueError):
        with LiveText(mode="text", file=io.StringIO()) as view:
            view.append(" partial")
            raise ValueError("cut")
    assert view.state == "failed" and "ValueError: cut" in view.status
    with LiveText(mode="text", file=io.StringIO()) as ok:
        ok.append(" fine")
    assert ok.state == "done"


def test_append_after_done_is_an_error() -> None:
    view = LiveText(mode="text", file=io.StringIO())
    view.done()
    with pytest.raises(RuntimeError, match="finished"):
        view.append("late")


def test_bad_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        LiveText(mode="html")


async def test_streams_a_simulated_answer() -> None:
    out = io.StringIO()
    llm = SimulatedLLM()
    stream = llm.stream("Explain streaming")
    with LiveText(mode="text", file=out) as view:
        async for token in stream:
            view.append(token)
    assert view.text == stream.text
    assert stream.text in out.getvalue()


def test_plot_arrivals_draws_one_line_per_run() -> None:
    fig = plot_arrivals({"complete": [2.0] * 5, "stream": [0.5, 0.8, 1.1, 1.5, 2.0]},
                        title="TTFT")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "TTFT"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("complete: first words at 2.00 s")
    assert labels[1].startswith("stream: first words at 0.50 s")


def test_plot_arrivals_needs_runs() -> None:
    with pytest.raises(ValueError):
        plot_arrivals({})
