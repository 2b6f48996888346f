"""Command line: ``python -m mgedu check | coverage | release | grade | exercises``.

- ``check [--seeds DIR] [--data DIR] [--list-rules]``: validate the seeds and data tables; exit 0 when
  clean, 1 with the list of problems (``file:row:column: message``); ``--list-rules`` prints the rules.
- ``coverage``: say how many claims the audit covers and how many checks rest on secondary sources.
- ``release --out DIR [--force]``: write student copies of the notebooks (see docs/teaching.md).
- ``grade SUBMISSION... --out grades.csv``: grade submitted notebooks, each in its own kernel.
- ``exercises``: print the table of exercises (id, notebook, kind, Key Concepts, difficulty).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence


def _cmd_check(args: argparse.Namespace) -> int:
    if args.list_rules:
        from mgedu.rules import rule_list

        rules = rule_list()
        for item in rules:
            print(f"{item.id}: {item.text}")
        print(f"{len(rules)} rules")
        return 0
    from mgedu.validation import validate

    try:
        problems = validate(args.seeds, args.data)
    except FileNotFoundError as exc:
        print(f"check: {exc}", file=sys.stderr)
        return 2
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        print(f"{len(problems)} {noun} found:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("mgedu data: no problems found (seeds, claims, studies and reference tables).")
    return 0


def _cmd_coverage(args: argparse.Namespace) -> int:
    from mgedu.claims import audit_coverage

    print(audit_coverage().describe())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``python -m mgedu``."""
    parser = argparse.ArgumentParser(prog="python -m mgedu", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate the seeds and the data tables")
    check.add_argument("--seeds", default=None, help="seeds folder (default: the packaged or checkout copy)")
    check.add_argument("--data", default=None, help="data folder (default: mgedu/data)")
    check.add_argument("--list-rules", action="store_true", help="print every rule the data must follow")
    check.set_defaults(func=_cmd_check)
    coverage = sub.add_parser(
        "coverage", help="how many claims the audit covers, and how many rest on secondary sources"
    )
    coverage.set_defaults(func=_cmd_coverage)
    try:
        from mgedu import classroom
    except ImportError:  # pragma: no cover - classroom tools are optional during development
        classroom = None
    if classroom is not None:
        classroom.add_commands(sub)
    return parser


#: Modules the classroom commands need that a learner's install (``pip install mgedu``) leaves out:
#: they come with the ``classroom`` extra.
CLASSROOM_MODULES = frozenset({"nbformat", "nbclient", "jupyter_client", "ipykernel"})

#: What a command needs in this process before it starts: ``grade`` runs each submission in a child
#: process, where a missing module would surface only as an unexplained failed row.
COMMAND_MODULES = {"grade": ("nbformat", "nbclient", "jupyter_client"), "release": ("nbformat",)}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        for name in COMMAND_MODULES.get(getattr(args, "command", ""), ()):
            importlib.import_module(name)
        return int(args.func(args))
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in CLASSROOM_MODULES:
            raise
        print(
            f"python -m mgedu {args.command} needs the classroom tools, and {missing!r} is not installed here.\n"
            "Install them with:  pip install 'mgedu[classroom]'   (in a checkout: pip install -e '.[classroom]')",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
