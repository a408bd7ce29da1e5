"""Tiered hints per exercise (``<name>.py`` holding ``HINTS = [...]``), kept out of the learner's file.

They are read with ``ast`` by :func:`course_utils.exercises.hints_of`, never imported.
"""
