"""Shared fixtures: a throwaway copy of the seed corpus and data tables that a test may break; and the
order in which the two test workers get the files (``scheduling.py``)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Corpus:
    """A writable copy of ``seeds/`` and ``mgedu/data/``."""

    seeds: Path
    data: Path

    def lines(self, name: str) -> list[str]:
        """The lines of a CSV in the copy (seeds first, then data)."""
        return self.path(name).read_text(encoding="utf-8").splitlines(keepends=True)

    def path(self, name: str) -> Path:
        return self.seeds / name if (self.seeds / name).exists() else self.data / name

    def write_lines(self, name: str, lines: list[str]) -> None:
        self.path(name).write_text("".join(lines), encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    seeds = tmp_path / "seeds"
    data = tmp_path / "data"
    shutil.copytree(REPO / "seeds", seeds)
    shutil.copytree(REPO / "mgedu" / "data", data)
    return Corpus(seeds, data)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """With ``--dist loadfile`` (as ``make test`` runs), the longest files first (``scheduling.py``)."""
    if config.getoption("dist") != "loadfile":
        return None
    from scheduling import longest_first_scheduler

    return longest_first_scheduler(config, log)
