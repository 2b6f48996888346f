"""Classroom tools: student copies, offline grading and the teacher's tables.

``python -m mgedu release --out DIR`` writes student copies of the notebooks (solutions out);
``python -m mgedu grade SUBMISSION... --out grades.csv`` grades handed-in notebooks, each in its own
kernel, and writes one feedback file per student; ``python -m mgedu exercises`` prints the table of
exercises with their IHC Key Concepts. The work is done in :mod:`~mgedu.classroom.release`,
:mod:`~mgedu.classroom.grading` (with :mod:`~mgedu.classroom.running` and
:mod:`~mgedu.classroom.feedback`) and :mod:`~mgedu.classroom.teaching`; this module only wires the
command line. Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

__all__ = ["add_commands"]


def _cmd_release(args: argparse.Namespace) -> int:
    from mgedu.classroom.release import release

    try:
        released = release(
            args.out, args.source, force=args.force, names=args.only or (), make_zip=args.zip, teacher=args.teacher
        )
    except ValueError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 2
    for item in released:
        what = (
            f"{len(item.exercises)} exercise(s), {item.solutions_removed} solution(s) removed"
            if item.exercises or item.solutions_removed
            else "no exercises"
        )
        print(f"  {item.path}  ({what})")
    print(
        f"Wrote {len(released)} {'teacher' if args.teacher else 'student'} notebooks to {args.out}"
        + (f" and {args.out.rstrip('/')}.zip" if args.zip else "")
    )
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    from mgedu.classroom.feedback import write_feedback
    from mgedu.classroom.grading import grade_submissions, write_grades

    started = time.monotonic()
    try:
        results = grade_submissions(
            args.submissions, timeout=args.timeout, jobs=args.jobs, key_folders=args.keys or ()
        )
    except ValueError as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    out = write_grades(results, args.out)
    feedback_dir = Path(args.feedback) if args.feedback else out.with_name(out.stem + "-feedback")
    written = write_feedback(results, feedback_dir)
    counts = Counter(row.status for result in results for row in result.rows)
    seconds = time.monotonic() - started
    print(f"Graded {len(results)} files for {len({r.student for r in results})} students in {seconds:.1f} s.")
    print("  " + ", ".join(f"{status} {n}" for status, n in sorted(counts.items())))
    print(f"Grades: {out}\nFeedback: {feedback_dir} ({len(written)} files)")
    return 0


def _cmd_exercises(args: argparse.Namespace) -> int:
    from mgedu.classroom.release import default_source
    from mgedu.classroom.teaching import update_teaching_doc, updated_document
    from mgedu.exercises import exercise_table

    notebooks = Path(args.notebooks) if args.notebooks else default_source()
    if args.update_docs or args.check_docs:
        doc = Path(args.update_docs or args.check_docs)
        try:
            if args.check_docs:
                text = doc.read_text(encoding="utf-8")
                if updated_document(text, notebooks) != text:
                    print(
                        f"{doc} is out of date: run python -m mgedu exercises --update-docs {doc}",
                        file=sys.stderr,
                    )
                    return 1
                print(f"{doc} is up to date.")
                return 0
            changed = update_teaching_doc(doc, notebooks)
        except (OSError, ValueError) as exc:
            print(f"exercises: {exc}", file=sys.stderr)
            return 2
        print(f"{doc}: {'updated' if changed else 'already up to date'}.")
        return 0
    try:
        table = exercise_table(args.notebook)
    except ValueError as exc:
        print(f"exercises: {exc}", file=sys.stderr)
        return 2
    if args.json:
        import json

        from mgedu.exercises import exercise_records

        print(json.dumps(exercise_records(args.notebook), indent=1, ensure_ascii=False))
    elif args.csv:
        table.to_csv(sys.stdout, index=False)
    else:
        with _wide_pandas():
            print(table.to_string(index=False))
    return 0


class _wide_pandas:
    def __enter__(self) -> None:
        import pandas as pd

        self._context: Any = pd.option_context("display.width", 200, "display.max_colwidth", 60)
        self._context.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(*exc)


def add_commands(subparsers: Any) -> None:
    """Register the ``release``, ``grade`` and ``exercises`` commands on ``python -m mgedu``."""
    rel = subparsers.add_parser("release", help="write student copies of the notebooks (solutions removed)")
    rel.add_argument(
        "--out", required=True, help="folder for the student copies (must be empty unless --force)"
    )
    rel.add_argument(
        "--source", default=None, help="teacher's notebooks folder (default: notebooks/ of the checkout)"
    )
    rel.add_argument(
        "--force", action="store_true", help="write into a non-empty folder, replacing same-named files"
    )
    rel.add_argument("--zip", action="store_true", help="also write OUT.zip to hand out")
    rel.add_argument(
        "--teacher", action="store_true", help="write teacher copies instead: solutions open and runnable"
    )
    rel.add_argument(
        "--only", action="append", metavar="NAME", help="release only this notebook (repeatable)"
    )
    rel.set_defaults(func=_cmd_release)

    grade = subparsers.add_parser("grade", help="grade submitted notebooks, each in its own kernel")
    grade.add_argument("submissions", nargs="+", help="submitted files, or folders holding them")
    grade.add_argument("--out", required=True, help="grades CSV to write")
    grade.add_argument(
        "--feedback", default=None, help="folder for per-student feedback (default: OUT-feedback/)"
    )
    grade.add_argument(
        "--timeout", type=float, default=120.0, help="seconds allowed for one notebook (default 120)"
    )
    grade.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    grade.add_argument(
        "--keys", action="append", metavar="DIR", help="extra folder of answer-key files (repeatable)"
    )
    grade.set_defaults(func=_cmd_grade)

    ex = subparsers.add_parser("exercises", help="table of exercises with their IHC Key Concepts")
    ex.add_argument("--notebook", default=None, help="only this notebook, e.g. 01-claims")
    ex.add_argument("--csv", action="store_true", help="print CSV instead of a text table")
    ex.add_argument(
        "--json", action="store_true", help="print every exercise as JSON (id, notebook, kind, skill, concepts, ...)"
    )
    ex.add_argument("--notebooks", default=None, help="notebooks folder for --update-docs/--check-docs")
    ex.add_argument("--update-docs", metavar="DOC", help="rewrite the generated block of the teacher's guide")
    ex.add_argument(
        "--check-docs", metavar="DOC", help="exit 1 when the guide's generated block is out of date"
    )
    ex.set_defaults(func=_cmd_exercises)
