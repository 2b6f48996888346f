"""Everything a grading run writes, from one set of rows: grades, gradebook, marks, LMS files, reports.

:func:`publish` is what ``python -m mgedu grade`` calls after grading. Given the output path
``grades.csv`` it writes, next to it:

- ``grades.csv`` (long; merged with the old one under ``update``, see :func:`gradebook.merge_update`);
- ``grades-gradebook.csv`` (wide, one row per student);
- ``marks.csv`` (the teacher's marks for written answers: created once, never written again) and
  ``grades-to-mark.csv`` (the written answers not marked yet, with their text);
- ``grades-canvas.csv`` / ``grades-moodle.csv`` for each LMS asked for;
- ``grades-identical.csv`` (pairs of students with the same wrong answers);
- ``grades-gains.csv`` when a pre-test grading is given (gain per Key Concept);
- ``grades-feedback/<student>.md`` for the students graded in this run.

It refuses to replace an existing ``grades.csv`` unless told to merge (``update``) or replace
(``force``): nothing a teacher kept is overwritten without an explicit flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mgedu.classroom.feedback import write_feedback
from mgedu.classroom.gradebook import (
    GradeRow,
    apply_marks,
    merge_update,
    moodle_identifier,
    read_long,
    read_marks,
    spreadsheet_safe,
    write_csv,
    write_lms,
    write_long,
    write_marks_template,
    write_wide,
)
from mgedu.classroom.grading import SubmissionResult
from mgedu.classroom.reports import concept_gains, identical_answers
from mgedu.classroom.roster import Roster
from mgedu.exercises import Exercise


@dataclass
class Published:
    """The files written and the problems found (bad marks, unknown students) to show the teacher."""

    files: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    rows: list[GradeRow] = field(default_factory=list)


def check_output(out: str | Path, *, update: bool, force: bool) -> None:
    """Refuse (``ValueError``) to replace an existing grades file without ``update`` or ``force``."""
    out = Path(out)
    if update and force:
        raise ValueError("choose --update (merge with the existing grades) or --force (replace them), not both")
    if out.exists() and not (update or force):
        raise ValueError(
            f"{out} exists: pass --update to replace only the rows of the students graded now, or --force to "
            "replace the whole file"
        )
    if update and not out.exists():
        raise ValueError(f"--update merges into an existing grades file, and {out} does not exist")


def sibling(out: Path, suffix: str) -> Path:
    """``grades.csv`` -> ``grades-<suffix>``."""
    return out.with_name(f"{out.stem}-{suffix}")


def publish(
    results: Sequence[SubmissionResult],
    out: str | Path,
    exercises: dict[str, Exercise],
    *,
    roster: Roster | None = None,
    update: bool = False,
    lms: Sequence[str] = (),
    marks: str | Path | None = None,
    pre: str | Path | None = None,
    feedback: str | Path | None = None,
) -> Published:
    """Write every output of a grading run (see the module docstring); return what was written."""
    out = Path(out)
    done = Published()
    new_rows = [row for result in results for row in result.rows]
    rows = merge_update(read_long(out), new_rows) if update else new_rows
    written = {(ex.notebook, ex.id): ex.points for ex in exercises.values() if ex.kind == "written"}
    marks_path = Path(marks) if marks else out.with_name("marks.csv")
    teacher_marks = read_marks(marks_path, written)
    done.problems += teacher_marks.problems
    unused = apply_marks(rows, teacher_marks)
    done.problems += [f"{marks_path.name}: no graded answer for the mark of {key}" for key in unused]
    done.files["grades"] = write_long(rows, out)
    done.files["gradebook"] = write_wide(rows, sibling(out, "gradebook.csv"), roster)
    template = write_marks_template(rows, marks_path)
    if template is not None:
        done.files["marks"] = template
    todo = [r for r in rows if r.status == "to-mark"]
    done.files["to-mark"] = write_csv(
        sibling(out, "to-mark.csv"),
        ("student", "name", "notebook", "question", "max", "answer"),
        (
            {
                "student": spreadsheet_safe(r.student),
                "name": spreadsheet_safe(r.name),
                "notebook": r.notebook,
                "question": r.question,
                "max": f"{r.max:g}" if r.max is not None else "",
                "answer": spreadsheet_safe(r.answer),
            }
            for r in todo
        ),
    )
    if lms and roster is None:
        raise ValueError(
            "import files for a learning platform (--lms) need --roster: the platform matches students by its "
            "own ids, which only a roster gives"
        )
    for name in lms:
        assert roster is not None
        if name == "canvas" and roster.shape != "canvas":
            done.problems.append(
                "the Canvas file has no Canvas ids without a Canvas roster (--roster with a Canvas gradebook "
                "export); Canvas then matches students by SIS id or login only, where the roster gives them"
            )
        done.files[name], left_out = write_lms(rows, sibling(out, f"{name}.csv"), name, roster)
        if name == "moodle":
            column, _ = moodle_identifier(roster)
            done.problems.append(f"in Moodle's CSV import, map the column {column!r} to the user field {column!r}")
        if left_out:
            done.problems.append(
                f"the {name.capitalize()} file leaves out {len(left_out)} student(s) it cannot identify "
                f"({', '.join(left_out[:10])}{', ...' if len(left_out) > 10 else ''}): enter their grades by hand, "
                "or add them to the roster and regrade them with --update"
            )
    pairs = identical_answers(rows)
    done.files["identical"] = write_csv(
        sibling(out, "identical.csv"),
        ("notebook", "student_a", "student_b", "shared", "questions", "answers"),
        (
            {
                "notebook": p.notebook,
                "student_a": spreadsheet_safe(p.student_a),
                "student_b": spreadsheet_safe(p.student_b),
                "shared": str(len(p.questions)),
                "questions": " ".join(p.questions),
                "answers": spreadsheet_safe(" | ".join(p.answers)),
            }
            for p in pairs
        ),
    )
    if pre is not None:
        gains = concept_gains(read_long(pre), rows, exercises)
        done.files["gains"] = write_csv(
            sibling(out, "gains.csv"),
            ("concept", "items", "students", "pre_percent", "post_percent", "gain_points", "normalised_gain"),
            (
                {
                    "concept": g.concept,
                    "items": str(g.items),
                    "students": str(g.students),
                    "pre_percent": f"{g.pre_percent:.1f}",
                    "post_percent": f"{g.post_percent:.1f}",
                    "gain_points": f"{g.gain_points:.1f}",
                    "normalised_gain": "" if g.normalised_gain is None else f"{g.normalised_gain:.2f}",
                }
                for g in gains
            ),
        )
    if roster is not None:
        done.problems += [f"{r.file}: no roster entry matches {r.name!r}" for r in rows if r.status == "not-on-roster"]
    feedback_dir = Path(feedback) if feedback else sibling(out, "feedback")
    write_feedback(results, feedback_dir)
    done.files["feedback"] = feedback_dir
    done.rows = rows
    return done
