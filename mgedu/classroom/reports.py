"""What a teacher reads after grading: students with the same wrong answers, and learning gains per concept.

:func:`identical_answers` lists pairs of students of one notebook who gave the *same wrong* answers
(or the same written text) to several exercises. Right answers are expected to agree, so they are
not counted; identical wrong answers are rarer and worth a conversation, not proof of copying.

:func:`concept_gains` compares a class's pre-test and post-test on the same quiz: for each IHC Key
Concept its items assess, the share of items answered correctly before and after by the students who
took both, the gain in percentage points, and the normalised gain ``(post - pre) / (100 - pre)``
(Hake, Am. J. Phys. 66, 64 (1998), https://doi.org/10.1119/1.18809): the share of what was left to
learn that was learned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from mgedu.classroom.gradebook import GradeRow
from mgedu.exercises import Exercise, normalise_text

MIN_WRITTEN_CHARACTERS = 40


@dataclass(frozen=True)
class SharedAnswers:
    """Two students of one notebook and the exercises where they gave the same wrong answer."""

    notebook: str
    student_a: str
    student_b: str
    questions: tuple[str, ...]
    answers: tuple[str, ...]


def _comparable(row: GradeRow) -> str | None:
    if row.status == "incorrect" and row.answer.strip():
        return normalise_text(row.answer)
    if row.status in ("to-mark", "marked") and len(row.answer.strip()) >= MIN_WRITTEN_CHARACTERS:
        return normalise_text(row.answer)
    return None


def identical_answers(rows: Sequence[GradeRow], minimum: int = 2) -> list[SharedAnswers]:
    """Pairs of students sharing at least ``minimum`` identical wrong (or written) answers, most first.

    >>> r = lambda s, q, a: GradeRow(s, s, "01-claims", q, 0.0, 1.0, "incorrect", answer=a)
    >>> rows = [r("ann", "1.1", "c"), r("bob", "1.1", "c"), r("ann", "1.2", "12"), r("bob", "1.2", "12"),
    ...         r("cat", "1.1", "c"), r("cat", "1.2", "14")]
    >>> [(p.student_a, p.student_b, p.questions) for p in identical_answers(rows)]
    [('ann', 'bob', ('1.1', '1.2'))]
    """
    by_student: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for row in rows:
        value = _comparable(row) if row.question != "-" else None
        if value is not None:
            by_student[(row.notebook, row.student)][row.question] = value
    notebooks: dict[str, list[str]] = defaultdict(list)
    for notebook, student in by_student:
        notebooks[notebook].append(student)
    pairs = []
    for notebook, students in sorted(notebooks.items()):
        for a, b in combinations(sorted(students), 2):
            answers_a, answers_b = by_student[(notebook, a)], by_student[(notebook, b)]
            same = sorted(q for q in answers_a.keys() & answers_b.keys() if answers_a[q] == answers_b[q])
            if len(same) >= minimum:
                pairs.append(SharedAnswers(notebook, a, b, tuple(same), tuple(answers_a[q][:80] for q in same)))
    return sorted(pairs, key=lambda p: (-len(p.questions), p.notebook, p.student_a, p.student_b))


@dataclass(frozen=True)
class ConceptGain:
    """The class's result on the items of one Key Concept, before and after."""

    concept: str
    items: int
    students: int
    pre_percent: float
    post_percent: float

    @property
    def gain_points(self) -> float:
        """Post minus pre, in percentage points."""
        return self.post_percent - self.pre_percent

    @property
    def normalised_gain(self) -> float | None:
        """``(post - pre) / (100 - pre)``; ``None`` when everyone was right before."""
        return None if self.pre_percent >= 100 else self.gain_points / (100 - self.pre_percent)


def concept_gains(
    pre: Sequence[GradeRow], post: Sequence[GradeRow], exercises: Mapping[str, Exercise], notebook: str | None = None
) -> list[ConceptGain]:
    """Gain per Key Concept between two gradings of the same quiz, over the students present in both.

    >>> from mgedu.exercises import Exercise
    >>> ex = {"9.1": Exercise("9.1", "q", "t", "choice", ("1.2d",), "core", "")}
    >>> row = lambda s, status: GradeRow(s, s, "q", "9.1", 1.0 if status == "correct" else 0.0, 1.0, status)
    >>> g = concept_gains([row("a", "incorrect"), row("b", "correct")], [row("a", "correct"), row("b", "correct")], ex)
    >>> g[0].concept, g[0].pre_percent, g[0].post_percent, g[0].normalised_gain
    ('1.2d', 50.0, 100.0, 1.0)
    """

    def scores(rows: Sequence[GradeRow]) -> dict[tuple[str, str], bool]:
        return {
            (r.student, r.question): r.status == "correct"
            for r in rows
            if r.question in exercises
            and exercises[r.question].kind in ("choice", "numeric", "text")
            and (notebook is None or r.notebook == notebook)
        }

    before, after = scores(pre), scores(post)
    students = sorted({s for s, _ in before} & {s for s, _ in after})
    by_concept: dict[str, set[str]] = defaultdict(set)
    for _, question in before.keys() & after.keys():
        for concept in exercises[question].concepts:
            by_concept[concept].add(question)
    gains = []
    for concept, questions in sorted(by_concept.items()):
        pairs = [(s, q) for s in students for q in questions if (s, q) in before and (s, q) in after]
        if not pairs:
            continue
        gains.append(
            ConceptGain(
                concept,
                len(questions),
                len({s for s, _ in pairs}),
                100 * sum(before[p] for p in pairs) / len(pairs),
                100 * sum(after[p] for p in pairs) / len(pairs),
            )
        )
    return gains
