"""Exercises: the registry, the stub generator, loading a learner's module and resetting it.

``solutions/exNN_slug.py`` is the single source. Solution bodies sit between ``# BEGIN SOLUTION``
and ``# END SOLUTION`` lines; ``build`` writes ``exercises/exNN_slug.py`` with each region
replaced by ``raise NotImplementedError(...)`` (same indentation), keeping the docstring. The
tiered hints live outside the learner's file, in ``course_utils/hints/exNN_slug.py`` (a ``HINTS``
list read with ``ast``), and reach the learner only through ``hint(name, n)``. See
``docs/exercises.md``.

    python -m course_utils.exercises build [--check]   # regenerate exercises/ (or only check it)
    python -m course_utils.exercises reset [exNN_slug ...]   # fresh stubs, old files backed up
    python -m course_utils.exercises list
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = ROOT / "solutions"
EXERCISES_DIR = ROOT / "exercises"
TESTS_DIR = ROOT / "exercise_tests"
HINTS_DIR = Path(__file__).resolve().parent / "hints"
BACKUP_DIRNAME = ".backup"

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
NAME_RE = re.compile(r"^ex(\d{2})_[a-z0-9]+(?:_[a-z0-9]+)*$")
#: First line of every generated stub: lets ``reset`` and the tests recognise a fresh stub.
STUB_HEADER = ("# Exercise stub generated from solutions/{name}.py: write your code where it "
               "raises NotImplementedError.\n")


class ExerciseError(Exception):
    """A solution file breaks the conventions (unbalanced markers, no hints file, ...)."""


class ExerciseMissing(FileNotFoundError):
    """The learner's exercise file is not where the tests look for it."""


class ExerciseImportError(ImportError):
    """The learner's exercise file could not be imported; the message says why, kindly."""


# ----------------------------------------------------------------------------- registry


def is_exercise_name(name: str) -> bool:
    return bool(NAME_RE.match(name))


def lesson_of(name: str) -> int:
    match = NAME_RE.match(name)
    if not match:
        raise ValueError(f"{name!r} is not an exercise name (expected exNN_slug, e.g. ex07_rate_limit)")
    return int(match.group(1))


def _names_in(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("ex*.py") if is_exercise_name(p.stem))


def exercise_names() -> list[str]:
    """Every exercise of the course: a module in solutions/ (or exercises/ if solutions/ is absent)."""
    return _names_in(SOLUTIONS_DIR) or _names_in(EXERCISES_DIR)


def registry() -> dict[int, list[str]]:
    """Exercises per lesson: ``{6: ["ex07_rate_limit", "ex08_token_bucket"], ...}``."""
    out: dict[int, list[str]] = {}
    for name in exercise_names():
        out.setdefault(lesson_of(name), []).append(name)
    return out


def test_files_for(name: str, tests_dir: Path = TESTS_DIR) -> list[Path]:
    """The course's test files for one exercise: ``test_<name>.py`` and ``test_<name>_*.py``."""
    return sorted(p for p in tests_dir.glob(f"test_{name}*.py")
                  if p.stem == f"test_{name}" or p.stem.startswith(f"test_{name}_"))


test_files_for.__test__ = False  # type: ignore[attr-defined]  # not a test, whatever pytest thinks


def exercise_of_test_file(filename: str, names: list[str] | None = None) -> str | None:
    """``test_ex07_rate_limit_hidden.py`` -> ``ex07_rate_limit`` (longest matching name)."""
    stem = Path(filename).stem
    if not stem.startswith("test_"):
        return None
    stem = stem[5:]
    candidates = names if names is not None else exercise_names()
    best = None
    for name in candidates:
        if (stem == name or stem.startswith(name + "_")) and (best is None or len(name) > len(best)):
            best = name
    if best is None:
        match = re.match(r"^(ex\d{2}_[a-z0-9_]+?)(?:_hidden.*)?$", stem)
        best = match.group(1) if match else None
    return best


def _source_file(name: str) -> Path:
    for directory in (SOLUTIONS_DIR, EXERCISES_DIR):
        path = directory / f"{name}.py"
        if path.is_file():
            return path
    raise ExerciseMissing(f"no exercise called {name!r}; the course has: {', '.join(exercise_names())}")


def _literal(tree: ast.Module, variable: str) -> object:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable
                                                for t in node.targets):
            return ast.literal_eval(node.value)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id == variable and node.value is not None:
            return ast.literal_eval(node.value)
    raise KeyError(variable)


def hints_file(name: str) -> Path:
    """Where the hints of ``name`` live: ``course_utils/hints/<name>.py`` (outside exercises/)."""
    return HINTS_DIR / f"{name}.py"


def hints_of(name: str) -> list[str]:
    """The tiered hints of an exercise, read without running any code (nudge, approach, near-code)."""
    path = hints_file(name)
    if not path.is_file():
        raise ExerciseMissing(f"no hints for {name!r} (expected {path})")
    hints = _literal(ast.parse(path.read_text(encoding="utf-8")), "HINTS")
    if not (isinstance(hints, list) and hints and all(isinstance(h, str) and h.strip() for h in hints)):
        raise ExerciseError(f"{path}: HINTS must be a list of non-empty strings")
    return [str(h) for h in hints]


def title_of(name: str) -> str:
    """First line of the exercise's docstring."""
    tree = ast.parse(_source_file(name).read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or name
    return doc.strip().splitlines()[0]


# ----------------------------------------------------------------------------- stubs


@dataclass(frozen=True)
class _Func:
    start: int
    end: int
    qualname: str
    generator: bool


def _functions(tree: ast.Module) -> list[_Func]:
    found: list[_Func] = []

    def own_yield(fn: ast.AST) -> bool:
        stack = list(ast.iter_child_nodes(fn))
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.Yield, ast.YieldFrom)):
                return True
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            stack.extend(ast.iter_child_nodes(node))
        return False

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qual = f"{prefix}{child.name}"
                found.append(_Func(child.lineno, child.end_lineno or child.lineno, qual, own_yield(child)))
                visit(child, qual + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def stub_message(name: str, qualname: str) -> str:
    return (f"{name}.{qualname} is not written yet: replace this line with your code. "
            f"Need a nudge? hint('{name}')")


def make_stub(source: str, name: str, origin: str = "") -> str:
    """The learner's version of a solution: every marked region becomes one ``raise`` line."""
    where = origin or f"solutions/{name}.py"
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ExerciseError(f"{where}: line {error.lineno}: {error.msg}") from None
    if not ast.get_docstring(tree):
        raise ExerciseError(f"{where}: the module needs a docstring that states the task")
    try:
        _literal(tree, "HINTS")
    except (KeyError, ValueError):
        pass
    else:
        raise ExerciseError(f"{where}: HINTS belong in course_utils/hints/{name}.py, not in the file "
                            f"the learner edits (the stub would show every tier at once)")
    functions = _functions(tree)
    lines = source.splitlines(keepends=True)
    out = [STUB_HEADER.format(name=name)]
    i = 0
    regions = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith(END):
            raise ExerciseError(f"{where}: line {i + 1}: {END} without a {BEGIN}")
        if not stripped.startswith(BEGIN):
            out.append(line)
            i += 1
            continue
        begin = i + 1  # 1-based
        indent = line[: len(line) - len(line.lstrip())]
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(END):
            if lines[j].strip().startswith(BEGIN):
                raise ExerciseError(f"{where}: line {j + 1}: regions cannot nest")
            j += 1
        if j == len(lines):
            raise ExerciseError(f"{where}: line {begin}: {BEGIN} is never closed by {END}")
        end_indent = lines[j][: len(lines[j]) - len(lines[j].lstrip())]
        if end_indent != indent:
            raise ExerciseError(f"{where}: line {j + 1}: {END} must be indented like its {BEGIN} (line {begin})")
        enclosing = [f for f in functions if f.start < begin <= f.end]
        if not enclosing:
            raise ExerciseError(f"{where}: line {begin}: a solution region must sit inside a function body")
        func = max(enclosing, key=lambda f: f.start)
        message = stub_message(name, func.qualname)
        out.append(f"{indent}raise NotImplementedError({message!r})\n")
        if func.generator and not _yields_outside(tree, func, begin, j + 1):
            # Keep it a (async) generator, as the finished version is: `async for` must still work.
            out.append(f"{indent}yield  # this function is a generator: it hands out results with yield\n")
        regions += 1
        i = j + 1
    if regions == 0:
        raise ExerciseError(f"{where}: no {BEGIN} ... {END} region; nothing for the learner to write")
    stub = "".join(out)
    try:
        compile(stub, f"exercises/{name}.py", "exec")
    except SyntaxError as error:
        raise ExerciseError(f"{where}: the generated stub does not compile (line {error.lineno}: "
                            f"{error.msg}); check the region's indentation") from None
    return stub


def _yields_outside(tree: ast.Module, func: _Func, first: int, last: int) -> bool:
    """Does ``func`` still yield somewhere outside lines first..last once the region is gone?"""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno == func.start:
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Yield, ast.YieldFrom)) and not first <= inner.lineno <= last:
                    return True
    return False


def fresh_stub(name: str) -> str:
    path = SOLUTIONS_DIR / f"{name}.py"
    if not path.is_file():
        raise ExerciseMissing(f"solutions/{name}.py is missing, so no fresh stub can be made")
    return make_stub(path.read_text(encoding="utf-8"), name)


def build(check: bool = False, *, solutions: Path | None = None, exercises: Path | None = None,
          quiet: bool = False) -> int:
    """Regenerate exercises/ from solutions/. With ``check``, write nothing; return 1 if stale."""
    src = Path(solutions or SOLUTIONS_DIR)
    dst = Path(exercises or EXERCISES_DIR)
    names = _names_in(src)
    if not names:
        print(f"no exercises found in {src}", file=sys.stderr)
        return 1
    stale: list[str] = []
    for name in names:
        stub = make_stub((src / f"{name}.py").read_text(encoding="utf-8"), name)
        target = dst / f"{name}.py"
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == stub:
            continue
        stale.append(f"{target.name} ({'missing' if current is None else 'out of date'})")
        if not check:
            dst.mkdir(parents=True, exist_ok=True)
            target.write_text(stub, encoding="utf-8")
    # A generated stub whose solution was removed is stale too.
    for path in sorted(dst.glob("ex*.py")):
        if path.stem not in names and is_exercise_name(path.stem):
            if path.read_text(encoding="utf-8", errors="replace").startswith(STUB_HEADER.split("{")[0]):
                stale.append(f"{path.name} (no solution any more)")
                if not check:
                    path.unlink()
    if check:
        if stale:
            print("exercises/ is out of date: " + ", ".join(stale)
                  + "\nrun `python3 run.py exercises` (python -m course_utils.exercises build)",
                  file=sys.stderr)
            return 1
        if not quiet:
            print(f"exercises/ is up to date ({len(names)} exercises)")
        return 0
    if not quiet:
        print(f"wrote {len(stale)} of {len(names)} exercise stubs to {dst}" if stale
              else f"exercises/ was already up to date ({len(names)} exercises)")
    return 0


def reset(names: list[str] | None = None, *, directory: Path | None = None, quiet: bool = False) -> list[Path]:
    """Restore exercises to fresh stubs; a changed file is first copied to ``exercises/.backup/``.

    Only the named exercises are touched (all of them when ``names`` is empty). Returns the backups.
    """
    dst = Path(directory or os.environ.get("COURSE_EXERCISES_DIR") or EXERCISES_DIR)
    known = exercise_names()
    wanted = list(names) if names else known
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ExerciseMissing(f"unknown exercise(s): {', '.join(unknown)}; the course has: {', '.join(known)}")
    backups: list[Path] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in wanted:
        stub = fresh_stub(name)
        target = dst / f"{name}.py"
        if target.is_file():
            current = target.read_bytes()
            if current == stub.encode("utf-8"):
                if not quiet:
                    print(f"{name}: already a fresh stub")
                continue
            backup_dir = dst / BACKUP_DIRNAME
            backup_dir.mkdir(parents=True, exist_ok=True)
            backup = backup_dir / f"{name}.{stamp}.py"
            n = 1
            while backup.exists():
                n += 1
                backup = backup_dir / f"{name}.{stamp}-{n}.py"
            backup.write_bytes(current)
            backups.append(backup)
            if not quiet:
                print(f"{name}: your version is saved as {backup.relative_to(dst)}")
        dst.mkdir(parents=True, exist_ok=True)
        target.write_text(stub, encoding="utf-8")
        if not quiet:
            print(f"{name}: reset to a fresh stub")
    return backups


# ----------------------------------------------------------------------------- loading


def exercises_dir() -> Path:
    return Path(os.environ.get("COURSE_EXERCISES_DIR") or EXERCISES_DIR)


def load(name: str, directory: str | os.PathLike[str] | None = None) -> ModuleType:
    """Import a fresh copy of ``<directory>/<name>.py`` (default ``COURSE_EXERCISES_DIR``).

    Each call executes the file again, so a test always sees the learner's latest code. Errors
    are turned into :class:`ExerciseMissing` / :class:`ExerciseImportError` with a kind message.
    """
    folder = Path(directory) if directory is not None else exercises_dir()
    path = folder / f"{name}.py"
    if not path.is_file():
        raise ExerciseMissing(f"{name}.py was not found in {folder}: the exercise file is missing "
                              f"(restore it with `python3 run.py reset {name}`)")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        _restore(name, previous)
        raise ExerciseImportError(
            f"{name}.py has a syntax error on line {error.lineno}: {error.msg}. "
            f"Python could not read the file, so none of its functions could be tested.") from None
    except SystemExit as error:
        _restore(name, previous)
        if type(error) is not SystemExit:  # e.g. a time limit from the test runner: let it through
            raise
        raise ExerciseImportError(
            f"{name}.py called sys.exit() while being imported; module-level code runs on import, "
            f"so keep experiments inside functions or under `if __name__ == \"__main__\":`.") from None
    except Exception as error:
        _restore(name, previous)
        line = _line_in(error, path)
        raise ExerciseImportError(
            f"importing {name}.py failed with {type(error).__name__}: {error}{line}. Module-level code "
            f"runs on import; keep experiments inside functions.") from None
    return module


def _restore(name: str, previous: ModuleType | None) -> None:
    if previous is None:
        sys.modules.pop(name, None)
    else:
        sys.modules[name] = previous


def _line_in(error: BaseException, path: Path) -> str:
    tb = error.__traceback__
    line = None
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename) == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (line {line})" if line else ""


# ----------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.exercises",
                                     description="Build, check and reset the course's exercises.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="regenerate exercises/ from solutions/")
    p_build.add_argument("--check", action="store_true", help="write nothing; exit 1 if exercises/ is out of date")
    p_reset = sub.add_parser("reset", help="restore exercises to fresh stubs (your files are backed up first)")
    p_reset.add_argument("names", nargs="*", help="exercise names, e.g. ex07_rate_limit (default: all)")
    p_reset.add_argument("--dir", type=Path, default=None, help="the exercises folder (default: exercises/)")
    sub.add_parser("list", help="list the exercises per lesson")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return build(check=args.check)
        if args.command == "reset":
            reset(args.names, directory=args.dir)
            return 0
        for lesson, names in registry().items():
            for name in names:
                print(f"lesson {lesson:02d}  {name:28s} {title_of(name)}")
        return 0
    except (ExerciseError, ExerciseMissing) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
