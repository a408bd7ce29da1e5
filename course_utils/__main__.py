"""``python -m course_utils COMMAND``: the course's command line."""

from __future__ import annotations

import sys

USAGE = """usage: python -m course_utils COMMAND [options]

commands:
  doctor    check that this machine is ready for the course
  serve     run the local OpenAI-compatible server (same as python -m course_utils.server)
  grade     grade a folder of submissions (same as python -m course_utils.grade)
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "doctor":
        from .health import main as doctor_main
        return doctor_main(rest)
    if command == "serve":
        from .server import main as serve_main
        return serve_main(rest)
    if command == "grade":
        from .grade import main as grade_main
        return grade_main(rest)
    print(f"unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
