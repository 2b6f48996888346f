"""The otter-grader export: master notebooks in otter's format, built and graded by otter itself.

The slow test installs otter-grader into ``.venv-otter`` (see tests/otter_env.py), runs ``otter
assign`` on an exported notebook, and grades a right and a wrong submission with ``otter run``.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from classroom_helpers import EXERCISES, NOTEBOOKS, WITH_EXERCISES, auto_ids
from otter_env import otter_env

from mgedu.__main__ import main
from mgedu.classroom.otter import master_notebook, rename_names
from mgedu.classroom.release import SOLUTION_TAG, is_tagged, question_ids, solution_code


def raw_cells(nb: nbformat.NotebookNode) -> list[str]:
    return [str(c.source) for c in nb.cells if c.cell_type == "raw"]


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_every_auto_checked_exercise_becomes_a_hidden_otter_question(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    master, ids = master_notebook(nb, path.stem, EXERCISES)
    assert sorted(ids) == sorted(auto_ids(path.stem))
    raws = raw_cells(master)
    assert raws[0].startswith("# ASSIGNMENT CONFIG") and "generate: true" in raws[0]
    questions = [r for r in raws if r.startswith("# BEGIN QUESTION")]
    assert len(questions) == len(ids) == raws.count("# END QUESTION")
    tests = [str(c.source) for c in master.cells if c.cell_type == "code" and "BEGIN TEST CONFIG" in str(c.source)]
    for qid, test in zip(ids, tests, strict=True):
        assert "hidden: true" in test and f"evaluate({qid!r}, answer_{qid.replace('.', '_')}).correct" in test
        for digest in EXERCISES[qid].accept:
            assert digest not in json.dumps(master)
    assert not [c for c in master.cells if is_tagged(c, SOLUTION_TAG)], "solution cells are folded into questions"


def test_rename_leaves_strings_and_comments_alone() -> None:
    source = 'solution = answer * 2  # answer\nprint("answer", solution)\n'
    assert rename_names(source, {"solution": "s", "answer": "a"}) == 's = a * 2  # answer\nprint("answer", s)\n'
    assert rename_names("x = (", {"x": "y"}) == "x = (", "code that does not tokenize is left as it is"


def test_export_command_refuses_a_busy_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("")
    assert main(["export", "otter", "--out", str(tmp_path / "busy")]) == 2
    assert "not empty" in capsys.readouterr().err


def _lightest() -> tuple[Path, str]:
    """The notebook with the fewest code cells that has an auto-checked exercise with a worked solution."""
    best = None
    for path in WITH_EXERCISES:
        nb = nbformat.read(path, as_version=4)
        solved = {i for c in nb.cells if is_tagged(c, SOLUTION_TAG) for i in question_ids(solution_code(c))}
        ids = [i for i in auto_ids(path.stem) if i in solved]
        cost = sum(c.cell_type == "code" for c in nb.cells)
        if ids and (best is None or cost < best[0]):
            best = (cost, path, ids[0])
    assert best is not None
    return best[1], best[2]


@pytest.mark.slow
def test_otter_assign_builds_it_and_otter_run_grades_a_right_and_a_wrong_answer(tmp_path: Path) -> None:
    otter = otter_env()
    path, qid = _lightest()
    assert (
        main(["export", "otter", "--out", str(tmp_path / "otter"), "--only", path.stem, "--source", str(NOTEBOOKS)])
        == 0
    )
    folder = tmp_path / "otter" / path.stem
    env = {"PATH": f"{otter.parent}:/usr/bin:/bin", "HOME": str(tmp_path), "MPLBACKEND": "Agg"}
    subprocess.run(
        [str(otter), "assign", path.name, "dist"], cwd=folder, check=True, env=env, capture_output=True, timeout=600
    )
    (zip_file,) = (folder / "dist" / "autograder").glob("*.zip")
    student = nbformat.read(folder / "dist" / "student" / path.name, as_version=4)
    assert not [c for c in student.cells if "BEGIN SOLUTION" in str(c.source)]
    var = "answer_" + qid.replace(".", "_")
    teacher = nbformat.read(path, as_version=4)
    (worked,) = [
        solution_code(c) for c in teacher.cells if is_tagged(c, SOLUTION_TAG) and qid in question_ids(solution_code(c))
    ]
    right = rename_names(worked, {"solution": var})
    for name, code in (("right", right), ("wrong", f"{var} = 'not the answer'")):
        copy = nbformat.read(folder / "dist" / "student" / path.name, as_version=4)
        (cell,) = [c for c in copy.cells if f"{var} = ..." in str(c.source)]
        cell.source = str(cell.source).replace(f"{var} = ...", code)
        nbformat.write(copy, tmp_path / f"{name}.ipynb")
        (tmp_path / f"out-{name}").mkdir()

    def run(name: str) -> dict:
        subprocess.run(
            [
                str(otter),
                "run",
                "-a",
                str(zip_file),
                str(tmp_path / f"{name}.ipynb"),
                "-o",
                str(tmp_path / f"out-{name}"),
            ],
            check=True,
            env=env,
            capture_output=True,
            timeout=600,
        )
        return json.loads((tmp_path / f"out-{name}" / "results.json").read_text())

    with ThreadPoolExecutor(2) as pool:
        right_result, wrong_result = pool.map(run, ("right", "wrong"))
    name = "q" + qid.replace(".", "_")
    scores = {
        r: {t["name"]: (t.get("score"), t.get("max_score")) for t in res["tests"]}
        for r, res in (("right", right_result), ("wrong", wrong_result))
    }
    points = EXERCISES[qid].points
    assert scores["right"][name] == (points, points)
    assert scores["wrong"][name][0] == 0 and scores["wrong"][name][1] == points
