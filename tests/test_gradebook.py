"""The gradebook a teacher uploads: rosters, LMS formats, duplicates, late hand-ins, marks, updates, escaping.

Most tests build rows directly (no kernel); one runs the ``grade`` command on a few tiny notebooks, then
regrades one student with ``--update``.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
from classroom_helpers import grading_isolation

from mgedu.__main__ import main
from mgedu.classroom.gradebook import (
    GradeRow,
    apply_marks,
    merge_update,
    read_long,
    read_marks,
    spreadsheet_safe,
    write_lms,
    write_long,
    write_wide,
)
from mgedu.classroom.grading import SubmissionResult
from mgedu.classroom.publish import publish
from mgedu.classroom.roster import Roster, Student, load_roster, parse_canvas_name
from mgedu.classroom.submissions import identify, lateness, latest_hand_ins
from mgedu.exercises import evaluate, load_exercises

EXERCISES = load_exercises()
WRITTEN = next(ex for ex in EXERCISES.values() if ex.kind == "written")
CHOICE = next(ex for ex in EXERCISES.values() if ex.kind == "choice" and ex.notebook == WRITTEN.notebook)


def read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def row(
    student: str, question: str, status: str, points: float | None, answer: str = "", notebook: str = ""
) -> GradeRow:
    ex = EXERCISES.get(question)
    return GradeRow(
        student,
        student.title(),
        notebook or (ex.notebook if ex else "01-claims"),
        question,
        points,
        ex.points if ex else 1.0,
        status,
        answer=answer,
    )


# --- escaping and numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_escaped_in_every_file(start: str, tmp_path: Path) -> None:
    attack = start + 'HYPERLINK("http://evil.example", "see")'
    rows = [
        GradeRow(
            attack, attack, WRITTEN.notebook, WRITTEN.id, None, WRITTEN.points, "to-mark", answer=attack, detail=attack
        )
    ]
    roster = Roster([Student(attack, attack, sis_id=attack, login=attack, section=attack, email=attack)])
    for path in (
        write_long(rows, tmp_path / "g.csv"),
        write_wide(rows, tmp_path / "w.csv", roster),
        write_lms(rows, tmp_path / "c.csv", "canvas", roster)[0],
        write_lms(rows, tmp_path / "m.csv", "moodle", roster)[0],
    ):
        cells = [c for line in read(path) for c in line]
        assert attack not in cells and "'" + attack in cells, path.name
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells), path.name
    assert read_long(tmp_path / "g.csv")[0].answer == attack  # read back as written by the student
    assert spreadsheet_safe("301.4") == "301.4"


def test_marks_read_decimal_commas_and_refuse_what_they_cannot_read(tmp_path: Path) -> None:
    marks = tmp_path / "marks.csv"
    marks.write_text(
        "student,notebook,question,points,comment\n"
        f'ann,{WRITTEN.notebook},{WRITTEN.id},"1,5",clear reasoning\n'
        f'bob,{WRITTEN.notebook},{WRITTEN.id},"1,234",\n'
        f"cat,{WRITTEN.notebook},{WRITTEN.id},99,\n"
        f"dan,{CHOICE.notebook},{CHOICE.id},1,\n"
        f"eve,{WRITTEN.notebook},{WRITTEN.id},,\n",
        encoding="utf-8",
    )
    maxima = {(WRITTEN.notebook, WRITTEN.id): WRITTEN.points}
    result = read_marks(marks, maxima)
    assert result.by_key[("ann", WRITTEN.notebook, WRITTEN.id)].points == 1.5
    assert len(result.by_key) == 1
    assert [p.split(":")[:3] for p in result.problems] == [
        ["marks.csv", "3", "points"],
        ["marks.csv", "4", "points"],
        ["marks.csv", "5", "question"],
    ]
    assert "ambiguous" in result.problems[0] and f"between 0 and {WRITTEN.points:g}" in result.problems[1]


def test_typed_numbers_read_a_decimal_comma_as_a_decimal() -> None:
    from mgedu.typed_numbers import read_number

    assert read_number("301,4") == pytest.approx(301.4)
    with pytest.raises(ValueError, match="ambiguous"):
        read_number("3,014")


# --- rosters and file names --------------------------------------------------------------------------


def test_the_three_roster_shapes(tmp_path: Path) -> None:
    own = tmp_path / "own.csv"
    own.write_text("id,name,email,aliases\ns001,Ana María Pérez,ana@school.example,anita;amp\n", encoding="utf-8")
    canvas = tmp_path / "canvas.csv"
    canvas.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,01-claims (812)\n"
        "    Points Possible,,,,,5\n"
        '"Smith, Jane",12345,S-9,jsmith,Group A,\n',
        encoding="utf-8-sig",
    )
    moodle = tmp_path / "moodle.csv"
    moodle.write_text(
        "First name,Last name,ID number,Institution,Department,Email address\nLi,Wei,77001,,,li.wei@uni.example\n",
        encoding="utf-8",
    )
    r_own, r_canvas, r_moodle = load_roster(own), load_roster(canvas), load_roster(moodle)
    assert (r_own.shape, r_canvas.shape, r_moodle.shape) == ("mgedu", "canvas", "moodle")
    assert r_own.match(["ana_maria_perez"]).id == "s001" and r_own.match(["Anita"]).id == "s001"
    assert r_own.match(["ana"]).id == "s001"  # the e-mail's local part
    assert r_canvas.match(["whoever"], parse_canvas_name("smithjane_12345_99_01-claims.ipynb")).id == "12345"
    assert r_canvas.match(["jane smith"]).id == "12345" and r_canvas.match(["JSmith"]).id == "12345"
    assert [s.id for s in r_canvas.students] == ["12345"], "the Points Possible row is not a student"
    assert r_moodle.match(["Li Wei_4321_assignsubmission_file_"]) is None
    assert r_moodle.match(["Li Wei"]).id == "77001"


def test_an_ambiguous_name_matches_nobody_and_a_bad_roster_is_refused(tmp_path: Path) -> None:
    roster = Roster([Student("1", "Sam Lee"), Student("2", "Sam Lee")])
    assert roster.match(["sam_lee"]) is None and roster.ambiguous == {"samlee": ["1", "2"]}
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.csv:1: roster header must have columns id,name"):
        load_roster(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("id,name\n1,A\n1,B\n,C\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"twice.csv:3: id '1' appears twice\n  twice.csv:4: the student's id"):
        load_roster(twice)


def _notebook_file(path: Path, mtime: float, cells: tuple[str, ...] = ()) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)
    os.utime(path, (mtime, mtime))
    return path


def test_duplicates_keep_the_latest_and_late_hand_ins_are_flagged(tmp_path: Path) -> None:
    due = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    before, after = due.timestamp() - 600, due.timestamp() + 3600 * 5 + 60 * 7
    files = [
        _notebook_file(tmp_path / "ann" / "01-claims.ipynb", before),
        _notebook_file(tmp_path / "ann" / "01-claims (1).ipynb", after),
        _notebook_file(tmp_path / "canvas" / "smithjane_12345_1_01-claims.ipynb", before),
        _notebook_file(tmp_path / "canvas" / "smithjane_LATE_12345_2_01-claims-1.ipynb", before),
    ]
    roster = Roster([Student("12345", "Smith, Jane"), Student("s-ann", "Ann Lee", aliases=("ann",))], shape="canvas")
    hand_ins = [identify(f, EXERCISES, roster) for f in files]
    assert [(h.student, h.notebook) for h in hand_ins] == [("s-ann", "01-claims")] * 2 + [("12345", "01-claims")] * 2
    kept, older = latest_hand_ins(hand_ins)
    assert [h.path.name for h in kept] == ["01-claims (1).ipynb", "smithjane_LATE_12345_2_01-claims-1.ipynb"]
    assert sorted((o.path.name, latest.path.name) for o, latest in older) == [
        ("01-claims.ipynb", "01-claims (1).ipynb"),
        ("smithjane_12345_1_01-claims.ipynb", "smithjane_LATE_12345_2_01-claims-1.ipynb"),
    ]
    assert lateness(kept[0], due) == "handed in 5 h 7 min after the due time (2026-03-01 17:07 UTC)"
    assert lateness(kept[1], due) == "marked LATE in the Canvas download"
    assert lateness(hand_ins[0], due) == ""


# --- gradebook, LMS files, marks, updates ------------------------------------------------------------


def _results() -> list[SubmissionResult]:
    nb = WRITTEN.notebook
    auto = [ex for ex in EXERCISES.values() if ex.notebook == nb and ex.kind != "written"]
    out = []
    for student, right in (("12345", True), ("777", False)):
        rows = [
            GradeRow(
                student,
                f"Student {student}",
                nb,
                ex.id,
                ex.points if right else 0.0,
                ex.points,
                "correct" if right else "incorrect",
                answer="x",
            )
            for ex in auto
        ]
        rows.append(
            GradeRow(
                student,
                f"Student {student}",
                nb,
                WRITTEN.id,
                None,
                WRITTEN.points,
                "to-mark",
                answer="My verdict is ...",
            )
        )
        out.append(SubmissionResult(student, nb, f"{student}.ipynb", rows))
    corrupt = [GradeRow("888", "Student 888", nb, "-", None, None, "not-a-notebook", detail="not valid JSON")]
    corrupt += [GradeRow("888", "Student 888", nb, ex.id, 0.0, ex.points, "not-graded") for ex in [*auto, WRITTEN]]
    out.append(SubmissionResult("888", nb, "888.ipynb", corrupt))
    return out


def test_wide_gradebook_and_lms_files_in_their_documented_formats(tmp_path: Path) -> None:
    roster = Roster(
        [
            Student("12345", "Smith, Jane", sis_id="S-1", login="jsmith", section="A"),
            Student("777", "Li, Wei"),
            Student("888", "Ono, Yuki"),
            Student("999", "Absent, Al"),
        ],
        shape="canvas",
    )
    marks = tmp_path / "marks.csv"
    out = tmp_path / "grades.csv"
    done = publish(_results(), out, EXERCISES, roster=roster, lms=["canvas", "moodle"], marks=marks)
    assert done.problems == ["in Moodle's CSV import, map the column 'ID number' to the user field 'ID number'"]
    nb = WRITTEN.notebook
    auto_max = sum(ex.points for ex in EXERCISES.values() if ex.notebook == nb and ex.kind != "written")
    wide = {r["student"]: r for r in csv.DictReader(open(tmp_path / "grades-gradebook.csv", encoding="utf-8-sig"))}
    assert wide["12345"][nb] == f"{auto_max:g}" and wide["12345"]["to_mark"] == "1"
    assert wide["777"][nb] == "0" and wide["888"][nb] == "0", "a corrupt hand-in shows as 0"
    assert "not-a-notebook" in wide["888"]["problems"]
    assert wide["999"][nb] == "" and wide["999"]["not_handed_in"] == nb, "no hand-in stays blank"
    canvas = read(tmp_path / "grades-canvas.csv")
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", nb]
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][5] == f"{auto_max + WRITTEN.points:g}"
    assert canvas[2] == ["Smith, Jane", "12345", "S-1", "jsmith", "A", f"{auto_max:g}"]
    assert canvas[5][:2] == ["Absent, Al", "999"] and canvas[5][5] == ""
    assert (tmp_path / "grades-canvas.csv").read_bytes()[:3] != b"\xef\xbb\xbf", "no byte-order mark for importers"
    moodle = read(tmp_path / "grades-moodle.csv")
    assert moodle[0] == ["ID number", "Full name", nb]
    assert moodle[1][0] == "S-1" and moodle[2][0] == "777"
    assert all(c == "" or float(c) >= 0 for line in moodle[1:] for c in line[2:]), "numbers with a decimal point"
    assert read(marks)[0] == ["student", "notebook", "question", "points", "comment"] and len(read(marks)) == 3


def test_the_moodle_file_never_leaves_its_user_column_blank(tmp_path: Path) -> None:
    """Moodle's importer gives a row with a blank user cell the user of the row above
    (grade/import/csv/classes/load_data.php): the one user column is filled in every row it holds."""
    nb = WRITTEN.notebook
    rows = [r for res in _results() for r in res.rows]  # students 12345, 777, 888 (888 is not on the roster)
    by_email = Roster(
        [Student("a@x.org", "Ann", email="a@x.org"), Student("7", "Bo", sis_id="7", email="b@x.org")], shape="moodle"
    )
    ids = {"12345": "a@x.org", "777": "7"}
    rows_for = [dataclasses.replace(r, student=ids.get(r.student, r.student)) for r in rows]
    path, left_out = write_lms(rows_for, tmp_path / "m1.csv", "moodle", by_email)
    table = read(path)
    assert table[0] == ["Email address", "Full name", nb] and [line[0] for line in table[1:]] == ["a@x.org", "b@x.org"]
    assert left_out == ["Student 888"], "a student not on the roster is left out, and said so"
    partial = Roster([Student("7", "Bo", sis_id="7"), Student("c@x.org", "Cy", email="c@x.org")], shape="moodle")
    path, left_out = write_lms(rows_for, tmp_path / "m2.csv", "moodle", partial)
    assert read(path)[0][0] == "ID number" and all(line[0] for line in read(path)[1:])
    assert "Cy" in left_out
    with pytest.raises(ValueError, match="--lms.*need --roster"):
        publish(_results(), tmp_path / "g.csv", EXERCISES, lms=["moodle"])


def test_regrading_one_student_keeps_everyone_else_and_the_teachers_marks(tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    marks = tmp_path / "marks.csv"
    publish(_results(), out, EXERCISES, marks=marks)
    assert len(read(marks)) == 3  # created with the two written answers to mark
    marks.write_text(
        "student,notebook,question,points,comment\n"
        + "".join(f'{s},{WRITTEN.notebook},{WRITTEN.id},"1,5",\n' for s in ("12345", "777")),
        encoding="utf-8",
    )
    kept_marks = marks.read_bytes()
    first = {(r.student, r.question): r for r in read_long(out)}
    regraded = [r for r in _results() if r.student == "777"]
    for r in regraded[0].rows:
        if r.status == "incorrect":
            r.points, r.status = r.max, "correct"
    done = publish(regraded, out, EXERCISES, marks=marks, update=True)
    assert marks.read_bytes() == kept_marks, "marks.csv is never written to"
    after = {(r["student"], r["question"] or "-"): r for r in csv.DictReader(open(out, encoding="utf-8-sig"))}
    assert set(after) == set(first)
    assert all(after[k]["points"] == f"{first[k].points:g}" for k in first if k[0] == "888" and k[1] != "-")
    assert after[("777", CHOICE.id)]["status"] == "correct"
    assert (after[("12345", WRITTEN.id)]["points"], after[("12345", WRITTEN.id)]["status"]) == ("1.5", "marked")
    assert after[("777", WRITTEN.id)]["points"] == "1.5", "a mark survives the student's own regrade"
    assert after[("777", WRITTEN.id)]["source"] == "marks.csv"
    assert done.rows and merge_update([], []) == []


def test_apply_marks_reports_marks_for_nobody() -> None:
    from mgedu.classroom.gradebook import Mark, Marks

    rows = [row("ann", WRITTEN.id, "to-mark", None)]
    unused = apply_marks(
        rows,
        Marks({("ann", WRITTEN.notebook, WRITTEN.id): Mark(2.0), ("zed", WRITTEN.notebook, WRITTEN.id): Mark(1.0)}),
    )
    assert rows[0].points == 2.0 and rows[0].status == "marked" and unused == [f"zed {WRITTEN.notebook} {WRITTEN.id}"]


# --- the command, end to end -------------------------------------------------------------------------


def test_grade_command_with_roster_lms_due_duplicates_and_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    isolation = grading_isolation()
    unsafe = [] if isolation.sandboxed else ["--no-sandbox"]
    nb = CHOICE.notebook
    inbox = tmp_path / "inbox"
    now = time.time()
    check = "from mgedu import check\n"
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section\n    Points Possible,,,,\n"
        '"Smith, Jane",101,,jsmith,A\n"Li, Wei",102,,wli,A\n"Ono, Yuki",103,,yono,A\n',
        encoding="utf-8",
    )
    _notebook_file(inbox / f"smithjane_101_1_{nb}.ipynb", now - 7200, (check + f'check("{CHOICE.id}", "a")',))
    _notebook_file(
        inbox / f"smithjane_LATE_101_2_{nb}-1.ipynb",
        now - 60,
        (check + f'check("{CHOICE.id}", "b")\ncheck("{WRITTEN.id}", "=HYPERLINK(\\"http://x\\")  my verdict")',),
    )
    _notebook_file(inbox / f"liwei_102_3_{nb}.ipynb", now - 7200, (check + f'check("{CHOICE.id}", "c")',))
    (inbox / f"onoyuki_103_4_{nb}.ipynb").write_text("{not json", encoding="utf-8")
    out = tmp_path / "grades.csv"
    due = datetime.fromtimestamp(now - 3600, tz=UTC).isoformat()
    args = [
        "grade",
        str(inbox),
        "--out",
        str(out),
        "--roster",
        str(roster),
        "--lms",
        "canvas",
        "--lms",
        "moodle",
        "--due",
        due,
        "--timeout",
        "60",
        *unsafe,
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "superseded 1" in printed
    rows = read_long(out)
    by = {(r.student, r.question): r for r in rows}
    jane = by[("101", CHOICE.id)]
    assert jane.answer == "b" and jane.status == evaluate(CHOICE.id, "b").status
    assert "after the due time" in jane.late and "LATE" in jane.late
    assert by[("101", WRITTEN.id)].status == "to-mark"
    assert "\"'=HYPERLINK(" in out.read_text(encoding="utf-8-sig")
    assert by[("103", CHOICE.id)].status == "not-graded" and by[("103", CHOICE.id)].points == 0
    assert by[("101", "-")].status == "superseded" or any(r.status == "superseded" and r.student == "101" for r in rows)
    canvas = read(tmp_path / "grades-canvas.csv")
    assert [line[1] for line in canvas[2:]] == ["101", "102", "103"]
    # Wei hands in again: only Wei's rows change.
    (tmp_path / "again").mkdir()
    _notebook_file(tmp_path / "again" / f"liwei_102_5_{nb}-1.ipynb", now, (check + f'check("{CHOICE.id}", "d")',))
    assert main(["grade", str(tmp_path / "again"), "--out", str(out), "--roster", str(roster), *unsafe]) == 2
    assert "--update" in capsys.readouterr().err
    assert (
        main(["grade", str(tmp_path / "again"), "--out", str(out), "--roster", str(roster), "--update", *unsafe]) == 0
    )
    updated = {(r.student, r.question): r for r in read_long(out)}
    assert updated[("102", CHOICE.id)].answer == "d"
    assert {k: (v.answer, v.status) for k, v in updated.items() if k[0] != "102"} == {
        k: (v.answer, v.status) for k, v in by.items() if k[0] != "102"
    }
