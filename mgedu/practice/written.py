"""Written answers in a cell of their own, and worked answers that wait for the learner's own.

``%%answer 6.4`` (after ``%load_ext mgedu.practice``) makes the rest of the cell the written answer to
exercise 6.4: plain text, so quotation marks, apostrophes and new lines need no Python quoting. It is
checked like any answer (``check("6.4", text)``): the word count and the range the key asks for are
printed, the answer goes to the grading log for the teacher, and the attempt is recorded. A placeholder
body (``...`` or nothing) records nothing.

:func:`worked_answer` shows a worked answer (for example the model verdict of notebook 06) only once the
learner has recorded an answer of their own to that exercise in this kernel; before that it says how
to unlock it. This is a **commitment device, not security**: anyone can call the function behind it,
read the solution cell, or run the code by hand. Its job is to make "try first, then compare" the easy
path, and to keep Run All from putting a model answer on screen. Released student copies drop cells
tagged ``worked-answer`` altogether.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mgedu.practice.display import Shown

USAGE = "Use it as the first line of a cell: %%answer 6.4, then your answer on the lines below."


def answer_cell(line: str, cell: str | None) -> Any:
    """The ``%%answer QUESTION_ID`` cell magic: check the cell's text as the answer to that question.

    >>> answer_cell("", "text").status
    'invalid'
    """
    from mgedu.exercises import check

    parts = line.split()
    if len(parts) != 1:
        return Shown(f"%%answer needs exactly one question id, got {line.strip()!r}. {USAGE}", status="invalid")
    text = (cell or "").strip()
    if text in ("...", "…"):
        text = ""
    return check(parts[0], text or None)


def worked_answer(question_id: str, make: Callable[..., object], *args: object, **kwargs: object) -> Shown:
    """A worked answer to ``question_id`` (``make(*args, **kwargs)``), shown only after your own answer.

    >>> worked_answer("9.99", lambda: "a model verdict").status
    'hidden'
    """
    from mgedu.exercises import answered

    if not answered(question_id):
        return Shown(
            f"The worked answer to {question_id} appears here once you have recorded your own answer to "
            f"{question_id} (run your answer cell, then this one). Try first, then compare.",
            status="hidden",
        )
    value = make(*args, **kwargs)
    return Shown(
        f"A worked answer to {question_id} (one reasonable answer; yours may weigh things differently):\n\n{value}",
        status="shown",
    )
