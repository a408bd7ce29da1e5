"""Instant feedback on an exercise: ``check("ex07_rate_limit")`` and ``hint("ex07_rate_limit")``.

``check`` runs the course's tests for one exercise against your file in ``exercises/`` in a
separate, time-limited process (:mod:`course_utils.sandbox`), so an infinite loop or a blocking
call cannot freeze your notebook, and shows a table: each check, passed or not, and what to look
at. ``hint`` shows the exercise's hints one at a time (nudge, approach, near-code).

>>> from course_utils import check, hint
>>> check("ex07_rate_limit")
>>> hint("ex07_rate_limit")        # the next hint; hint("ex07_rate_limit", 2) for the second
"""

from __future__ import annotations

import difflib
import html
import importlib
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import sandbox
from .exercises import exercise_names, exercises_dir, hints_of, title_of
from .sandbox import TestOutcome

#: Real seconds a whole check may take, and one test within it.
TIME_LIMIT = 60.0
TEST_TIME_LIMIT = 10.0

_hints_shown: dict[str, int] = {}
_last_checked: str | None = None


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def _execution_count() -> int | None:
    shell = sys.modules.get("IPython")
    try:
        ip = shell.get_ipython() if shell is not None else None  # type: ignore[attr-defined]
    except Exception:
        ip = None
    return getattr(ip, "execution_count", None)


def _show(obj: Any) -> None:
    """Display now (HTML in Jupyter, text elsewhere). If the same cell then shows the returned
    object as its result, that second display is skipped, so the table appears once."""
    if _in_notebook():
        from IPython.display import HTML, display

        display(HTML(obj.to_html()))
        obj._shown_in_cell = _execution_count()
    else:
        print(obj.to_text())


class _Displayable:
    _shown_in_cell: int | None = None

    def _ipython_display_(self) -> None:
        if self._shown_in_cell is not None and self._shown_in_cell == _execution_count():
            self._shown_in_cell = None  # already shown by check()/hint() in this very cell
            return
        from IPython.display import HTML, display

        display(HTML(self.to_html()))  # type: ignore[attr-defined]

    def to_text(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_html(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


def _pretty(name: str) -> str:
    base, _, param = name.partition("[")
    hidden = base.startswith("hidden: ")
    base = base.removeprefix("hidden: ").removeprefix("test_").replace("_", " ")
    text = base + (f" [{param}" if param else "")
    return ("(hidden) " if hidden else "") + text


@dataclass
class CheckResult(_Displayable):
    """What ``check`` found: ``.passed`` is True when every test passed; ``.results`` lists them."""

    name: str
    results: list[TestOutcome] = field(default_factory=list)
    status: str = "ok"
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    title: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def score(self) -> tuple[int, int]:
        return sum(r.passed for r in self.results), len(self.results)

    def _headline(self) -> str:
        ok, total = self.score
        if not self.results:
            return "No checks could run."
        if self.passed:
            return f"All {total} checks pass. Well done!"
        return f"{ok} of {total} checks pass."

    def _footer(self) -> str:
        if self.passed or self.status == "unknown":
            return ""
        try:
            count = len(hints_of(self.name))
        except Exception:
            return ""
        return f"Stuck? hint('{self.name}') shows a hint ({count} available, from a nudge to near-code)."

    def to_text(self) -> str:
        lines = [f"{self.name}: {self.title}".rstrip(": "), self._headline()]
        lines += [f"! {note}" for note in self.notes]
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"  [{mark}] {_pretty(r.name)}")
            detail = r.doc if r.passed else (r.message or r.doc)
            if detail:
                lines += textwrap.wrap(detail, width=96, initial_indent="         ", subsequent_indent="         ")
        footer = self._footer()
        if footer:
            lines.append(footer)
        return "\n".join(lines)

    def to_html(self) -> str:
        e = html.escape
        colour = "#1a7f37" if self.passed else "#b35900"
        rows = []
        for r in self.results:
            icon = "&#10004;" if r.passed else "&#10008;"
            tint = "#1a7f37" if r.passed else "#cf222e"
            detail = e(r.doc) if r.passed else e(r.message or r.doc)
            rows.append(
                f"<tr><td style='color:{tint};font-weight:bold;text-align:center'>{icon}</td>"
                f"<td style='text-align:left'>{e(_pretty(r.name))}</td>"
                f"<td style='text-align:left;{'' if r.passed else 'color:#57606a;'}'>{detail}</td></tr>")
        notes = "".join(f"<p style='color:#cf222e;margin:4px 0'>{e(n)}</p>" for n in self.notes)
        footer = self._footer()
        table = ("<table style='border-collapse:collapse;margin-top:6px'>"
                 "<thead><tr><th></th><th style='text-align:left'>check</th>"
                 "<th style='text-align:left'>what it checks / what went wrong</th></tr></thead>"
                 f"<tbody>{''.join(rows)}</tbody></table>") if rows else ""
        footer_html = f"<p style='color:#57606a'>{e(footer)}</p>" if footer else ""
        return (f"<div style='font-family:sans-serif'>"
                f"<b>{e(self.name)}</b> <span style='color:#57606a'>{e(self.title)}</span><br>"
                f"<span style='color:{colour};font-weight:bold'>{e(self._headline())}</span>"
                f"{notes}{table}{footer_html}</div>")

    def __repr__(self) -> str:
        ok, total = self.score
        return f"CheckResult({self.name}: {ok}/{total} passed)"


@dataclass
class Hint(_Displayable):
    name: str
    number: int
    total: int
    text: str
    note: str = ""

    def to_text(self) -> str:
        head = f"Hint {self.number} of {self.total} for {self.name}:" if self.number else f"{self.name}:"
        body = "\n".join(textwrap.wrap(self.text, width=96)) if self.text else ""
        return "\n".join(x for x in (head, body, self.note) if x)

    def to_html(self) -> str:
        e = html.escape
        head = f"Hint {self.number} of {self.total} for {self.name}" if self.number else self.name
        note = f"<br><span style='color:#57606a'>{e(self.note)}</span>" if self.note else ""
        return (f"<div style='font-family:sans-serif;border-left:4px solid #0969da;padding-left:8px'>"
                f"<b>{e(head)}</b><br>{e(self.text)}{note}</div>")

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Hint({self.name} {self.number}/{self.total})"


def _unknown(name: str) -> CheckResult:
    names = exercise_names()
    close = difflib.get_close_matches(str(name), names, n=3)
    suggestion = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return CheckResult(name=str(name), status="unknown",
                       notes=[f"There is no exercise called {name!r}.{suggestion} "
                              f"The exercises are: {', '.join(names)}."])


def check(name: str, *, directory: str | Path | None = None, time_limit: float = TIME_LIMIT,
          test_time_limit: float = TEST_TIME_LIMIT, show: bool = True) -> CheckResult:
    """Run the tests of exercise ``name`` against your file and show what passes.

    Your file is ``exercises/<name>.py`` (or ``directory``/<name>.py). The tests run in a separate
    process: at most ``test_time_limit`` real seconds per test and ``time_limit`` for all of them.
    """
    global _last_checked
    if name not in exercise_names():
        result = _unknown(name)
        if show:
            _show(result)
        return result
    _last_checked = name
    folder = Path(directory) if directory is not None else exercises_dir()
    path = folder / f"{name}.py"
    sources: dict[str, bytes] = {}
    notes: list[str] = []
    if path.is_file():
        sources[name] = path.read_bytes()
    else:
        notes.append(f"{path} does not exist. Restore a fresh copy with `python3 run.py reset {name}`.")
    run = sandbox.run_tests(sources, [name], timeout=time_limit, test_timeout=test_time_limit)
    if run.status == "time limit":
        notes.append(f"Your code took longer than the time limit ({time_limit:g} s in total, "
                     f"{test_time_limit:g} s per check) — an infinite loop, or a blocking call like "
                     f"time.sleep inside async def? The checks that could not finish are marked.")
    elif run.status == "crashed":
        notes.append("The test process stopped in the middle (see the failed check for why).")
    elif run.status == "error":
        notes.append("The checks could not be started. This is a problem with the course, not your "
                     "code: please tell your instructor. " + " ".join(run.notes))
    try:
        title = title_of(name)
    except Exception:
        title = ""
    result = CheckResult(name=name, results=run.tests, status=run.status, notes=notes,
                         elapsed=run.elapsed, title=title)
    if run.status == "ok":
        _reload_in_kernel(name)
    if show:
        _show(result)
    return result


def _reload_in_kernel(name: str) -> None:
    """If the notebook imported the exercise module, reload it so it runs your latest code."""
    for modname in (name, f"exercises.{name}"):
        module = sys.modules.get(modname)
        if module is None or getattr(module, "__spec__", None) is None:
            continue
        try:
            importlib.reload(module)
        except Exception:
            pass


def hint(name: str | int | None = None, n: int | None = None, *, show: bool = True) -> Hint:
    """Show a hint. ``hint(name)`` gives the next one (nudge, then approach, then near-code);
    ``hint(name, 2)`` the second; ``hint(2)`` the second hint of the exercise you last checked."""
    if isinstance(name, int) and n is None:
        name, n = _last_checked, name
    if name is None:
        result = Hint("", 0, 0, "Which exercise? Try hint('ex07_rate_limit'), or run check(...) first.")
    elif name not in exercise_names():
        close = difflib.get_close_matches(str(name), exercise_names(), n=3)
        suggestion = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        result = Hint(str(name), 0, 0, f"There is no exercise called {name!r}.{suggestion}")
    else:
        hints = hints_of(str(name))
        total = len(hints)
        seen = _hints_shown.get(str(name), 0)
        number = n if n is not None else min(seen + 1, total)
        if not 1 <= number <= total:
            result = Hint(str(name), 0, total, f"{name} has {total} hints: ask for 1 to {total}.")
        else:
            _hints_shown[str(name)] = max(seen, number)
            note = ""
            if number == total:
                note = "That is the last hint. Compare it line by line with your code, or ask for help."
            elif number < total:
                note = f"Still stuck? hint('{name}') again shows hint {number + 1}."
            result = Hint(str(name), number, total, hints[number - 1], note)
    if show:
        _show(result)
    return result


def reset_hints() -> None:
    """Forget which hints were shown (each exercise starts again at hint 1)."""
    _hints_shown.clear()


__all__ = ["check", "hint", "CheckResult", "Hint", "reset_hints"]
