"""The order in which ``pytest -n 2 --dist loadfile`` hands out test files (used by ``conftest.py``).

xdist's own order, most tests first, left the one-test files that build the Colab and hub environments to
the end of a run, with one worker busy and the other idle. The files that take a minute or more (they build
environments or run many notebooks) now go first, longest first, as timed in a fresh clone's ``make test``
(``--durations=0``); every other file keeps xdist's order after them, so the browser files, which time what
a learner sees, still run where they ran before, beside each other at the end. A file's tests still go to
one worker, together (nbval needs that).
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Longest first. A file missing here is only scheduled later; the doctest below catches a renamed one.
LONGEST_FIRST = (
    "tests/test_classroom.py",
    "tests/test_colab.py",
    "tests/test_no_leak.py",
    "tests/test_sandbox.py",
    "tests/test_hub.py",
    "tests/test_otter.py",
    "tests/test_live_figures.py",
    "tests/test_colab_widgets.py",
    "tests/test_mutations.py",
    "tests/test_binder.py",
    "tests/test_sandbox_unprivileged.py",
)


def file_order(files: list[str]) -> list[str]:
    """``files`` (in xdist's order) with those of :data:`LONGEST_FIRST` moved to the front, in that order.

    >>> file_order(["b.py", "tests/test_hub.py", "a.py", "tests/test_classroom.py"])
    ['tests/test_classroom.py', 'tests/test_hub.py', 'b.py', 'a.py']
    >>> [name for name in LONGEST_FIRST if not (REPO / name).is_file()]
    []
    """
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    return sorted(files, key=lambda name: rank.get(name, len(rank)))


def longest_first_scheduler(config: object, log: object) -> object:
    """xdist's file scheduling, with its queue of files put in :func:`file_order` before the first is
    handed out."""
    from xdist.scheduler import LoadFileScheduling

    class LongestFirst(LoadFileScheduling):
        ordered = False

        def _assign_work_unit(self, node: object) -> None:
            if not self.ordered:
                self.workqueue = OrderedDict((name, self.workqueue[name]) for name in file_order(list(self.workqueue)))
                self.ordered = True
            super()._assign_work_unit(node)

    return LongestFirst(config, log)
