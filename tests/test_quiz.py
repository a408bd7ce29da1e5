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
