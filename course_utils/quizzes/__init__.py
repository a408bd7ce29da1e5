"""End-of-lesson quizzes: multiple choice and short answer (every lesson, from lesson 01).

Questions live in ``course_utils/quizzes/qNN.py`` (one ``QUESTIONS`` list per lesson), not in
the notebooks, so the answers are not sitting in the cell a learner is looking at.

>>> from course_utils import quiz
>>> quiz("02")            # widgets in Jupyter, plain text elsewhere
>>> quiz("02").grade({1: 2, 2: "the loop runs other tasks"})   # for scripts and tests
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Sequence


@dataclass(frozen=True)
class MultipleChoice:
    question: str
    options: Sequence[str]
    answer: int                      # index into options
    explanation: str                 # shown after any attempt: why the right answer is right
    wrong_feedback: dict[int, str] = field(default_factory=dict)  # per wrong option, a nudge

    def check(self, choice: int) -> tuple[bool, str]:
        if not isinstance(choice, int) or not 0 <= choice < len(self.options):
            return False, f"Pick one of the options 0 to {len(self.options) - 1}."
        if choice == self.answer:
            return True, "Correct. " + self.explanation
        return False, self.wrong_feedback.get(choice, "Not quite; reread the section and try again.")


@dataclass(frozen=True)
class ShortAnswer:
    question: str
    keywords: Sequence[str]          # regexes; an answer mentioning all of them is accepted
    model_answer: str                # shown only when the learner asks to see it
    nudge: str = "Think about what the event loop does while a task waits."

    def check(self, text: str) -> tuple[bool, str]:
        text = (text or "").strip()
        if not text:
            return False, "Write a sentence or two first."
        missing = [k for k in self.keywords if not re.search(k, text, re.IGNORECASE)]
        if not missing:
            return True, "Good answer: it names the key idea."
        return False, self.nudge


Question = MultipleChoice | ShortAnswer


@dataclass(frozen=True)
class Quiz:
    lesson: str
    questions: Sequence[Question]

    def grade(self, answers: dict[int, Any]) -> dict[int, tuple[bool, str]]:
        """Check answers given as ``{question number (from 1): choice index or text}``."""
        return {n: self.questions[n - 1].check(a) for n, a in answers.items()}

    def text(self) -> str:
        lines = [f"Quiz for lesson {self.lesson}"]
        for n, q in enumerate(self.questions, 1):
            lines.append(f"\n{n}. {q.question}")
            if isinstance(q, MultipleChoice):
                lines += [f"   ({i}) {opt}" for i, opt in enumerate(q.options)]
            else:
                lines.append("   (short answer)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def html(self) -> str:
        """The questions and options as static HTML (no answers): the quiz on the course website."""
        import html as _html

        def escape(text: str) -> str:  # `code` in a question is shown as code, as in the lessons
            return re.sub(r"`([^`]+)`", r"<code>\1</code>", _html.escape(text))

        items = []
        for q in self.questions:
            options = ("<ol type=\"a\">" + "".join(f"<li>{escape(o)}</li>" for o in q.options) + "</ol>"
                       if isinstance(q, MultipleChoice) else "<p><em>(short answer)</em></p>")
            items.append(f"<li><p><b>{escape(q.question)}</b></p>{options}</li>")
        return f'<ol class="course-quiz">{"".join(items)}</ol>'

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        from ..sitebuild import building_site, snapshot_note

        if building_site():  # a static page has no kernel to check an answer: the questions only
            display(HTML(self.html() + snapshot_note("The quiz checks your answers")))
            return
        try:
            import ipywidgets as widgets
        except ImportError:  # pragma: no cover - ipywidgets is in requirements.txt
            print(self.text())
            return
        display(widgets.VBox([_widget(n, q) for n, q in enumerate(self.questions, 1)]))


def _widget(n: int, q: Question) -> Any:
    import ipywidgets as widgets

    title = widgets.HTML(f"<b>{n}. {q.question}</b>")
    feedback = widgets.HTML()
    button = widgets.Button(description="Check", button_style="primary")
    if isinstance(q, MultipleChoice):
        picker = widgets.RadioButtons(options=[(o, i) for i, o in enumerate(q.options)], value=None,
                                      layout=widgets.Layout(width="auto"))

        def on_click(_: Any) -> None:
            ok, message = q.check(picker.value if picker.value is not None else -1)
            feedback.value = f"{'✅' if ok else '❌'} {message}"

        button.on_click(on_click)
        return widgets.VBox([title, picker, button, feedback])
    box = widgets.Textarea(placeholder="Your answer", layout=widgets.Layout(width="95%"))
    reveal = widgets.Button(description="Show a model answer")

    def on_check(_: Any) -> None:
        ok, message = q.check(box.value)
        feedback.value = f"{'✅' if ok else '💡'} {message}"

    def on_reveal(_: Any) -> None:
        feedback.value = f"Model answer: {q.model_answer}"

    button.on_click(on_check)
    reveal.on_click(on_reveal)
    return widgets.VBox([title, box, widgets.HBox([button, reveal]), feedback])


def quiz(lesson: str | int) -> Quiz:
    """The quiz of a lesson (``"02"`` or ``2``); display it, or call ``.grade(...)``."""
    key = f"{int(lesson):02d}"
    try:
        module = import_module(f"course_utils.quizzes.q{key}")
    except ModuleNotFoundError:
        raise ValueError(f"lesson {key} has no quiz yet") from None
    return Quiz(key, module.QUESTIONS)
