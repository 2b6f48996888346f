"""The order in which ``pytest -n 2 --dist loadfile`` hands out test files (used by ``conftest.py``).

xdist's own order, most tests first, leaves the files with one to a dozen long tests (they build the Colab
and hub environments, run notebooks in JupyterLab, build the sites) to the end of a run, with one worker busy
and the other idle. The files that take half a minute or more now go first, longest first, as timed in a
fresh clone's ``make test`` (``--durations=0``, setup, call and teardown summed per file; the seconds are in
the comments); every other file keeps xdist's order after them. On two cores a full run took 733-766 s this
way and 822 s in xdist's order (mostly a shorter tail with one worker idle; a third worker did not help:
766 s, the run is bound by the processor). A file's tests still go to one worker, together (nbval needs that).
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Longest first. A file missing here is only scheduled later; the doctest below catches a renamed one.
LONGEST_FIRST = (
    "tests/browser/test_lab_notebooks.py",  # 230 s
    "tests/browser/test_practice_in_lab.py",  # 128 s
    "tests/browser/test_site.py",  # 111 s
    "tests/test_colab.py",  # 105 s
    "tests/browser/test_lite.py",  # 89 s
    "tests/test_hub.py",  # 81 s
    "tests/test_classroom.py",  # 73 s
    "tests/browser/test_claims_in_lab.py",  # 64 s
    "tests/test_sandbox.py",  # 60 s
    "tests/test_colab_widgets.py",  # 52 s
    "tests/browser/test_study_designs_in_lab.py",  # 45 s
    "tests/test_otter.py",  # 45 s
    "tests/browser/test_doses_in_lab.py",  # 44 s
    "tests/test_live_figures.py",  # 42 s
    "tests/test_no_leak.py",  # 37 s
    "tests/test_binder.py",  # 31 s
    "tests/browser/test_mechanisms_in_lab.py",  # 29 s
    "tests/test_packaging.py",  # 27 s
    "tests/test_mutations.py",  # 26 s
)


def file_order(files: list[str]) -> list[str]:
    """``files`` (in xdist's order) with those of :data:`LONGEST_FIRST` moved to the front, in that order.

    >>> file_order(["b.py", "tests/test_classroom.py", "a.py", "tests/test_hub.py"])
    ['tests/test_hub.py', 'tests/test_classroom.py', 'b.py', 'a.py']
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
