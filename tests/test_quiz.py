"""Every lesson's quiz is well formed, and the checker judges answers correctly."""

from __future__ import annotations

import pkgutil

import pytest

import course_utils.quizzes
from course_utils.quizzes import MultipleChoice, ShortAnswer, quiz

LESSONS = sorted(m.name[1:] for m in pkgutil.iter_modules(course_utils.quizzes.__path__) if m.name.startswith("q"))


@pytest.mark.parametrize("lesson", LESSONS)
def test_quiz_is_well_formed(lesson):
    q = quiz(lesson)
    assert 2 <= len(q.questions) <= 8
    assert any(isinstance(x, MultipleChoice) for x in q.questions)
    for question in q.questions:
        if isinstance(question, MultipleChoice):
            assert 0 <= question.answer < len(question.options)
            assert question.check(question.answer)[0]
            wrong = next(i for i in range(len(question.options)) if i != question.answer)
            ok, message = question.check(wrong)
            assert not ok and question.options[question.answer] not in message
        else:
            assert question.check(question.model_answer)[0], "the model answer must pass its own check"
            assert not question.check("")[0]
    assert "Quiz for lesson" in q.text()


def test_grade_and_unknown_lesson():
    mc = MultipleChoice("2+2?", ["3", "4"], answer=1, explanation="Arithmetic.")
    assert mc.check(1) == (True, "Correct. Arithmetic.")
    assert mc.check(7)[0] is False
    sa = ShortAnswer("Why?", [r"wait", r"other"], "While one waits, others run.")
    assert sa.check("while it waits the loop runs other tasks")[0]
    assert not sa.check("because")[0]
    with pytest.raises(ValueError, match="no quiz"):
        quiz(99)


def test_the_static_quiz_shows_every_question_and_no_answer():
    """What the course website shows instead of the widgets (``python3 run.py site``)."""
    import html
    import re

    from course_utils.quizzes import MultipleChoice, quiz

    for lesson in range(1, 25):
        q = quiz(lesson)
        page = q.html()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        for question in q.questions:
            assert question.question.replace("`", "") in text
            if isinstance(question, MultipleChoice):
                assert all(option.replace("`", "") in text for option in question.options)
                assert question.explanation not in text
                assert not any(f in text for f in question.wrong_feedback.values())
            else:
                assert question.model_answer not in text
