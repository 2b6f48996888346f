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
    from mgedu.classroom.course import load_course
    from mgedu.classroom.release import release
    from mgedu.classroom.roster import load_roster

    try:
        if bool(args.course) != bool(args.roster):
            raise ValueError("per-student copies need both --course (the secret) and --roster (the students)")
        course = load_course(args.course) if args.course else None
        roster = load_roster(args.roster) if args.roster else None
        released = release(
            args.out,
            args.source,
            force=args.force,
            names=args.only or (),
            make_zip=args.zip,
            clear_answers=args.clear_answers,
            inside_repository=args.inside_repo,
            teacher=args.teacher,
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
        for typed in item.answers_cleared:
            print(f"    cleared a typed answer: {typed}")
        for cell, questions in item.outputs_cleared:
            print(f"    cleared the stored output of cell {cell + 1}: it shows the answer to {', '.join(questions)}")
    if course is not None and roster is not None:
        from mgedu.classroom.personal import write_personal_copies

        try:
            folders = write_personal_copies([item.path for item in released], Path(args.out), course, roster)
        except ValueError as exc:
            print(f"release: per-student copies not written: {exc}", file=sys.stderr)
            return 2
        print(f"Wrote per-student copies (each student's own numbers) for {len(folders)} students: {args.out}/<id>/")
    print(
        f"Wrote {len(released)} {'teacher' if args.teacher else 'student'} notebooks to {args.out}"
        + (f" and {args.out.rstrip('/')}.zip" if args.zip else "")
    )
    return 0


def _parse_due(text: str | None) -> Any:
    from datetime import datetime

    if not text:
        return None
    try:
        due = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--due must be a date and time like 2026-03-01T23:59+01:00, got {text!r}") from None
    if due.tzinfo is None:
        due = due.astimezone()  # a time without a zone is the grading computer's local time
    return due


def _cmd_grade(args: argparse.Namespace) -> int:
    from mgedu.classroom.grading import grade_submissions
    from mgedu.classroom.publish import check_output, publish
    from mgedu.classroom.roster import load_roster
    from mgedu.classroom.sandbox import Limits, SandboxUnavailable
    from mgedu.exercises import load_exercises

    started = time.monotonic()
    try:
        check_output(args.out, update=args.update, force=args.force)
        roster = load_roster(args.roster) if args.roster else None
        course = None
        if args.course:
            from mgedu.classroom.course import load_course

            course = load_course(args.course)
        due = _parse_due(args.due)
        if args.lms and roster is None:
            raise ValueError(
                "import files for a learning platform (--lms) need --roster: the platform matches students by "
                "its own ids, which only a roster gives"
            )
        limits = Limits(memory_mb=args.memory)
    except ValueError as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    if args.no_sandbox:
        print(
            "WARNING: grading without a sandbox (--no-sandbox). Every notebook runs with your account's "
            "rights: it can read and change your files, reach the network and other students' work. "
            "Use this only for notebooks you trust; the grades record it.",
            file=sys.stderr,
        )
    try:
        results = grade_submissions(
            args.submissions,
            timeout=args.timeout,
            jobs=args.jobs,
            key_folders=args.keys or (),
            sandbox=not args.no_sandbox,
            limits=limits,
            roster=roster,
            due=due,
            course=course,
        )
        exercises = load_exercises(args.keys or ())
        done = publish(
            results,
            args.out,
            exercises,
            roster=roster,
            update=args.update,
            lms=args.lms or (),
            marks=args.marks,
            pre=args.pre,
            feedback=args.feedback,
        )
    except SandboxUnavailable as exc:
        print(f"grade: no sandbox can be made here, so nothing was graded: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    counts = Counter(row.status for result in results for row in result.rows)
    seconds = time.monotonic() - started
    print(f"Graded {len(results)} files for {len({r.student for r in results})} students in {seconds:.1f} s.")
    print("  " + ", ".join(f"{status} {n}" for status, n in sorted(counts.items())))
    for problem in done.problems:
        print(f"  note: {problem}")
    for label, path in done.files.items():
        print(f"{label}: {path}")
    return 0


def _cmd_course(args: argparse.Namespace) -> int:
    from mgedu.classroom.course import init_course

    try:
        path = init_course(args.dir, args.name or "")
    except ValueError as exc:
        print(f"course: {exc}", file=sys.stderr)
        return 2
    print(
        f"Wrote the course secret to {path} (readable by you only). Keep it: grading and per-student copies "
        "need it, and a new secret changes every student's numbers. Never share it, commit it or put it "
        "beside the student copies."
    )
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from mgedu.classroom.otter import export_otter

    try:
        written = export_otter(args.out, args.source, names=args.only or (), force=args.force)
    except ValueError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    for path, ids in written:
        print(f"  {path}  ({len(ids)} question(s): {', '.join(ids)})")
    print(
        f"Wrote {len(written)} otter-grader master notebooks to {args.out}. Next, for each: "
        "otter assign NN-name.ipynb dist  (see docs/teaching.md)"
    )
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
    rel.add_argument("--out", required=True, help="folder for the student copies (must be empty unless --force)")
    rel.add_argument("--source", default=None, help="teacher's notebooks folder (default: notebooks/ of the checkout)")
    rel.add_argument("--force", action="store_true", help="write into a non-empty folder, replacing same-named files")
    rel.add_argument("--zip", action="store_true", help="also write OUT.zip to hand out")
    rel.add_argument(
        "--clear-answers", action="store_true", help="reset answers typed into exercise cells (default: refuse)"
    )
    rel.add_argument("--teacher", action="store_true", help="write teacher copies instead: solutions open and runnable")
    rel.add_argument(
        "--inside-repo", action="store_true", help="allow an --out folder inside a git repository (a class fork)"
    )
    rel.add_argument("--course", help="course secret (mgedu-course.json): also write per-student copies")
    rel.add_argument("--roster", help="roster of the students to write per-student copies for (with --course)")
    rel.add_argument("--only", action="append", metavar="NAME", help="release only this notebook (repeatable)")
    rel.set_defaults(func=_cmd_release)

    grade = subparsers.add_parser("grade", help="grade submitted notebooks, each in its own kernel")
    grade.add_argument("submissions", nargs="+", help="submitted files, or folders holding them")
    grade.add_argument("--out", required=True, help="grades CSV to write (other files are written beside it)")
    grade.add_argument("--roster", help="roster CSV mapping file and folder names to LMS ids (mgedu, Canvas or Moodle)")
    grade.add_argument("--due", help="due time, e.g. 2026-03-01T23:59+01:00: later hand-ins are flagged, not penalised")
    grade.add_argument("--update", action="store_true", help="replace only the rows of the students graded now")
    grade.add_argument("--force", action="store_true", help="replace an existing grades CSV")
    grade.add_argument("--lms", action="append", choices=("canvas", "moodle"), help="also write an LMS import file")
    grade.add_argument("--course", help="course secret (mgedu-course.json): mark variant exercises per student")
    grade.add_argument("--marks", help="the teacher's marks for written answers (default: marks.csv beside --out)")
    grade.add_argument("--pre", metavar="PRE_GRADES", help="grades CSV of a pre-test: report the gain per Key Concept")
    grade.add_argument("--feedback", default=None, help="folder for per-student feedback (default: OUT-feedback/)")
    grade.add_argument("--timeout", type=float, default=120.0, help="seconds allowed for one notebook (default 120)")
    grade.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    grade.add_argument("--keys", action="append", metavar="DIR", help="extra folder of answer-key files (repeatable)")
    grade.add_argument(
        "--memory", type=int, default=2048, metavar="MB", help="memory for one notebook run (default 2048 MB)"
    )
    grade.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run notebooks without a sandbox, with your rights (only for notebooks you trust; recorded)",
    )
    grade.set_defaults(func=_cmd_grade)

    course = subparsers.add_parser("course", help="the course secret behind per-student numbers")
    course.add_argument("action", choices=("init",), help="init: make the course secret (once per course)")
    course.add_argument("--dir", default=".", help="folder for mgedu-course.json (default: here)")
    course.add_argument("--name", default=None, help="the course's name (default: the folder's name)")
    course.set_defaults(func=_cmd_course)

    export = subparsers.add_parser("export", help="export the auto-checked exercises for another grader")
    export.add_argument("format", choices=("otter",), help="the grader: otter (otter-grader assignments)")
    export.add_argument("--out", required=True, help="folder for the assignments (must be empty unless --force)")
    export.add_argument("--source", default=None, help="teacher's notebooks folder (default: notebooks/)")
    export.add_argument("--only", action="append", metavar="NAME", help="export only this notebook (repeatable)")
    export.add_argument("--force", action="store_true", help="write into a non-empty folder")
    export.set_defaults(func=_cmd_export)

    ex = subparsers.add_parser("exercises", help="table of exercises with their IHC Key Concepts")
    ex.add_argument("--notebook", default=None, help="only this notebook, e.g. 01-claims")
    ex.add_argument("--csv", action="store_true", help="print CSV instead of a text table")
    ex.add_argument(
        "--json", action="store_true", help="print every exercise as JSON (id, notebook, kind, skill, concepts, ...)"
    )
    ex.add_argument("--notebooks", default=None, help="notebooks folder for --update-docs/--check-docs")
    ex.add_argument("--update-docs", metavar="DOC", help="rewrite the generated block of the teacher's guide")
    ex.add_argument("--check-docs", metavar="DOC", help="exit 1 when the guide's generated block is out of date")
    ex.set_defaults(func=_cmd_exercises)
