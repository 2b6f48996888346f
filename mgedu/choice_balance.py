"""Balance of the multiple-choice items: is the right letter, or the longest option, a giveaway?

Test-wise learners pick "b" or the longest option when unsure. Across the workbook the rules are:

- every letter that items offer (a to d) is the right answer at least once;
- no letter is right in more than :data:`MAX_LETTER_SHARE` (35 %) of the items;
- the right option is not systematically the longest: it may be *clearly* the longest (longer than
  every other option by at least :data:`CLEARLY_LONGER` = 20 %) in at most :data:`MAX_LONGEST_SHARE`
  (25 %) of the items whose options are written out. By chance alone, one of four options is the longest,
  so 25 % is what an author who paid no attention to length would get at most; "clearly" keeps options
  of nearly equal length from counting.

Only choice items count; items whose key stores letters instead of the option texts are counted for
letters and reported as not checkable for length.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from mgedu.exercise_keys import Exercise, load_exercises, right_letters

MAX_LETTER_SHARE = 0.35
CLEARLY_LONGER = 1.2
MAX_LONGEST_SHARE = 0.25
LETTERS_REQUIRED = ("a", "b", "c", "d")


@dataclass(frozen=True)
class ChoiceBalance:
    """Letter distribution of right answers and how often the right option is clearly the longest."""

    items: tuple[str, ...]
    letters: Mapping[str, int]
    longest: tuple[str, ...]
    length_checked: tuple[str, ...]

    @property
    def letter_shares(self) -> dict[str, float]:
        """Share of items each letter is right in (0 to 1)."""
        n = max(1, len(self.items))
        return {letter: count / n for letter, count in sorted(self.letters.items())}

    @property
    def longest_share(self) -> float:
        """Share of length-checkable items whose right option is clearly the longest."""
        return len(self.longest) / len(self.length_checked) if self.length_checked else 0.0

    def problems(self) -> list[str]:
        """Every broken rule, in words (empty when balanced)."""
        found = []
        never = [letter for letter in LETTERS_REQUIRED if not self.letters.get(letter)]
        if never:
            found.append(f"letters never right: {', '.join(never)}")
        for letter, share in self.letter_shares.items():
            if share > MAX_LETTER_SHARE:
                found.append(
                    f"'{letter}' is right in {self.letters[letter]} of {len(self.items)} items "
                    f"({share:.0%}, more than {MAX_LETTER_SHARE:.0%})"
                )
        if self.longest_share > MAX_LONGEST_SHARE:
            found.append(
                f"the right option is clearly the longest in {len(self.longest)} of "
                f"{len(self.length_checked)} items ({', '.join(self.longest)}): more than "
                f"{MAX_LONGEST_SHARE:.0%}"
            )
        return found

    def describe(self) -> str:
        """One line for the teacher's guide.

        >>> ChoiceBalance(("1.1", "1.2"), {"a": 1, "c": 1}, (), ("1.1",)).describe()
        'Right letters over 2 choice items: a 1, c 1; right option clearly the longest in 0 of 1 items.'
        """
        letters = ", ".join(f"{letter} {count}" for letter, count in sorted(self.letters.items()))
        return (
            f"Right letters over {len(self.items)} choice items: {letters}; right option clearly the longest "
            f"in {len(self.longest)} of {len(self.length_checked)} items."
        )


def clearly_longest(ex: Exercise, right: tuple[str, ...]) -> bool | None:
    """True when a right option is longer than every wrong one by :data:`CLEARLY_LONGER`; None when the
    key holds letters instead of option texts."""
    if not ex.choices or all(len(c.strip()) <= 1 for c in ex.choices):
        return None
    lengths = dict(zip(ex.letters, (len(c.strip()) for c in ex.choices), strict=True))
    wrong = [lengths[letter] for letter in ex.letters if letter not in right]
    return bool(wrong) and any(lengths[r] >= CLEARLY_LONGER * max(wrong) for r in right)


def choice_balance(exercises: Mapping[str, Exercise] | None = None) -> ChoiceBalance:
    """The balance of every choice item (default: the loaded key files).

    >>> balance = choice_balance()
    >>> sorted(balance.letters)  # the answer letters in use across the choice items
    ['a', 'b', 'c', 'd', 'e']
    """
    keys = load_exercises() if exercises is None else exercises
    items, letters, longest, checked = [], Counter(), [], []
    for ex in sorted(keys.values(), key=lambda e: tuple(int(p) for p in e.id.split(".") if p.isdigit())):
        if ex.kind != "choice":
            continue
        right = right_letters(ex)
        items.append(ex.id)
        letters.update(right)
        verdict = clearly_longest(ex, right)
        if verdict is not None:
            checked.append(ex.id)
            if verdict:
                longest.append(ex.id)
    return ChoiceBalance(tuple(items), dict(letters), tuple(longest), tuple(checked))
