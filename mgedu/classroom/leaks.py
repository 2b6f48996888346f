"""Answers a student could read off a notebook before answering: in stored outputs, or typed into exercise cells.

Student copies keep the stored outputs of the teacher's cells so that they read well before they are
run. An output that prints an exercise's answer (a table of converted doses above the exercise that
asks for one of them) hands it out. :func:`answers_shown` tries what a student with time would try:
every number with a decimal mark or of 100 and more in every stored output, against every numeric
exercise of the notebook, with the grader's own check. Small whole numbers are not tried (they appear
everywhere, and an answer like "3 articles" is for counting, not hiding), nor words: choice letters,
certainty levels and article ids are the vocabulary of the material, not answers handed out.

:func:`typed_answers` finds exercise cells where the teacher's copy holds an answer instead of the
placeholder (``answer = ...`` or ``answer = ""``), and :func:`clear_typed_answer` puts the placeholder
back.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mgedu.exercises import Exercise, evaluate

NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)?(?![\w])")
ANSWER_NAME = "answer"


@dataclass(frozen=True)
class Shown:
    """A cell whose stored output shows the answer to some exercises."""

    cell: int
    questions: tuple[str, ...]


def output_texts(cell: Mapping[str, Any]) -> Iterator[str]:
    """The text of a cell's stored outputs: streams, plain text, HTML (tags removed), Markdown, errors."""
    for output in cell.get("outputs") or []:
        if not isinstance(output, dict):
            continue
        if output.get("output_type") == "stream":
            yield _joined(output.get("text"))
        if output.get("output_type") == "error":
            yield f"{output.get('ename', '')}: {output.get('evalue', '')}"
        data = output.get("data") or {}
        for kind in ("text/plain", "text/markdown", "text/latex"):
            if kind in data:
                yield _joined(data[kind])
        if "text/html" in data:
            yield html.unescape(re.sub(r"<[^>]+>", " ", _joined(data["text/html"])))
        alt = ((output.get("metadata") or {}).get("image/png") or {}).get("alt")
        if isinstance(alt, str):
            yield alt


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def candidates(text: str) -> set[str]:
    """The numbers in ``text`` worth trying as answers: with a decimal mark, or 100 and more.

    >>> sorted(candidates("Elemental Mg: 301.4 mg (12 tablets, 1,250 mg total)"))
    ['1,250', '301.4']
    """
    numbers = set()
    for token in NUMBER.findall(text):
        digits = token.lstrip("+-")
        if any(mark in digits for mark in ".,") or (digits.isdigit() and int(digits) >= 100):
            numbers.add(token)
    return numbers


def answers_shown(
    nb: Mapping[str, Any], exercises: Iterable[Exercise], *, skip_tags: tuple[str, ...] = ()
) -> list[Shown]:
    """Cells whose stored outputs contain an accepted answer to one of the numeric ``exercises``."""
    from mgedu.typed_numbers import read_number

    numeric = {ex.id: ex for ex in exercises if ex.kind == "numeric"}
    found = []
    for index, cell in enumerate(nb.get("cells") or []):
        tags = ((cell.get("metadata") or {}).get("tags") or []) if isinstance(cell, dict) else []
        if any(t in tags for t in skip_tags):
            continue
        hits: set[str] = set()
        for text in output_texts(cell):
            for token in candidates(text):
                try:
                    value = read_number(token)
                except ValueError:
                    continue
                hits |= {qid for qid in numeric if evaluate(qid, value, exercises=numeric).correct}
        if hits:
            found.append(Shown(index, tuple(sorted(hits))))
    return found


def _answer_assignments(source: str) -> list[ast.Assign]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [
        node
        for node in tree.body
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == ANSWER_NAME for t in node.targets)
    ]


def _is_placeholder(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):
        return value.value is Ellipsis or (isinstance(value.value, str) and not value.value.strip())
    return False


def typed_answers(source: str) -> list[str]:
    """The answers typed into an exercise cell's source (empty when it holds only the placeholder).

    >>> typed_answers('answer = ...  # in mg\\ncheck("4.1", answer)')
    []
    >>> typed_answers('answer = 301.4\\ncheck("4.1", answer)')
    ['answer = 301.4']
    """
    lines = source.splitlines()
    return [
        " ".join(lines[node.lineno - 1 : node.end_lineno]).strip()[:120]
        for node in _answer_assignments(source)
        if not _is_placeholder(node.value)
    ]


def clear_typed_answer(source: str, placeholder: str = "...") -> str:
    """``source`` with every typed answer replaced by ``placeholder``, keeping a trailing comment.

    >>> clear_typed_answer('answer = 301.4  # in mg\\ncheck("4.1", answer)')
    'answer = ...  # in mg\\ncheck("4.1", answer)'
    """
    lines = source.splitlines(keepends=True)
    for node in reversed(_answer_assignments(source)):
        if _is_placeholder(node.value):
            continue
        first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        tail = lines[last][node.end_col_offset or 0 :] if node.end_col_offset is not None else "\n"
        indent = lines[first][: node.col_offset]
        lines[first : last + 1] = [f"{indent}{ANSWER_NAME} = {placeholder}{tail}"]
    return "".join(lines)


def placeholder_for(exercise: Exercise | None) -> str:
    """``...`` for numbers, ``""`` for text."""
    return "..." if exercise is None or exercise.kind == "numeric" else '""'
