"""Break every data rule, one at a time, in a copy of the shipped data: the check must name file, row and column.

The cases come from the rule declarations (:func:`mgedu.rules.rule_list`): each column rule (required,
number, pattern, vocabulary, range, unique key, the table an id column points into) gets a generated
case that breaks it in one cell; each named rule and each file-level check has a hand-written case
below. A rule without a case fails :func:`test_every_rule_has_a_mutation_case`, and a column of ids
that declares no reference fails :func:`test_every_id_column_points_into_a_table`.

Each case runs ``validate()`` in-process on a fresh copy (the few CLI cases run
``python -m mgedu check --seeds ... --data ...`` for real) and asserts the exact set of cells reported:
the broken one, plus the knock-on cells a case declares in ``also``.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mgedu import rules as rules_module
from mgedu.catalog import TABLES, schema_for, table_entry
from mgedu.evidence import DOMAINS, grade_certainty
from mgedu.rules import rule_list
from mgedu.tables import Column, References, Schema, read_records
from mgedu.validation import validate

REPO = Path(__file__).resolve().parents[1]
PRISTINE = {"seeds": REPO / "seeds", "data": REPO / "mgedu" / "data"}
Cell = tuple[str, int, str]


# ------------------------------------------------------------------------------------------ editing a copy


class Copy:
    """A writable copy of seeds/ and mgedu/data/, edited cell by cell (spreadsheet row numbers)."""

    def __init__(self, root: Path):
        self.seeds, self.data = root / "seeds", root / "data"
        shutil.copytree(PRISTINE["seeds"], self.seeds)
        shutil.copytree(PRISTINE["data"], self.data)

    def path(self, name: str) -> Path:
        if name in TABLES:
            return (self.seeds if table_entry(name).home == "seeds" else self.data) / name
        return self.data / name

    def rows(self, name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.path(name).read_text(encoding="utf-8"))))

    def write(self, name: str, rows: list[list[str]]) -> None:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        self.path(name).write_text(out.getvalue(), encoding="utf-8")

    def set(self, name: str, row: int, column: str, value: str) -> None:
        rows = self.rows(name)
        rows[row - 1][rows[0].index(column)] = value
        self.write(name, rows)

    def get(self, name: str, row: int, column: str) -> str:
        rows = self.rows(name)
        return rows[row - 1][rows[0].index(column)]

    def find(self, name: str, **match: str) -> int:
        """Spreadsheet row number of the first row whose cells equal ``match``."""
        rows = self.rows(name)
        index = {c: rows[0].index(c) for c in match}
        return next(i + 1 for i, r in enumerate(rows[1:], start=1) if all(r[index[c]] == v for c, v in match.items()))


@functools.cache
def pristine_rows(name: str) -> list[dict[str, str]]:
    home = PRISTINE["seeds"] if name in TABLES and table_entry(name).home == "seeds" else PRISTINE["data"]
    with open(home / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ------------------------------------------------------------------------------------------ cases


@dataclass(frozen=True)
class Case:
    """One way to break one rule: the edit, the cell that must be reported (with a fragment of its
    message), and any other cells the edit unavoidably breaks as well."""

    rule: str
    edit: Callable[[Copy], None]
    where: Cell
    says: str
    also: tuple[Cell, ...] = ()


def _first_row(name: str, column: str) -> int:
    """The first row with a value in ``column`` (row 2 when the column is blank throughout)."""
    return next((i for i, r in enumerate(pristine_rows(name), start=2) if r[column].strip()), 2)


def referenced_ids(name: str) -> set[str]:
    """The ids of table ``name`` that some other table's id column points at (in the shipped data)."""
    found: set[str] = set()
    for other in TABLES:
        for col in schema_for(other).columns:
            if col.references is not None and col.references.table == name:
                for row in pristine_rows(other):
                    found.update(col.references.ids_in(row[col.name]) if row[col.name] else [])
    return found


def _key_row(name: str, key: str) -> int:
    """The last row whose key nothing points at (breaking it then breaks nothing else), else the last row."""
    rows = pristine_rows(name)
    used = referenced_ids(name)
    free = [i for i, r in enumerate(rows, start=2) if r[key] not in used]
    return free[-1] if free else len(rows) + 1


def _unknown_id(name: str, col: Column, value: str) -> tuple[str, str]:
    """(id in ``value`` to replace, replacement) such that the cell passes its pattern but names no target."""
    ref = col.references
    assert ref is not None
    target_key = ref.column or schema_for(ref.table).key
    existing = {r[target_key] for r in pristine_rows(ref.table)}
    first = ref.ids_in(value)[0]
    for candidate in (re.sub(r"\d+$", "999", first), first + "x", first + "-unknown", "zz-unknown"):
        cell = value.replace(first, candidate, 1)
        if candidate not in existing and (col.pattern is None or re.fullmatch(col.pattern, cell)):
            return first, candidate
    raise AssertionError(f"no unknown id fits the pattern of {name}:{col.name}")


def _breaking_value(col: Column, kind: str) -> tuple[str, str]:
    """(new cell value, fragment of the expected message) that breaks rule ``kind`` of ``col``."""
    if kind == "required":
        return "", "is empty but required"
    if kind == "number":
        return "many", "expected a whole number" if col.kind == "int" else "expected a number"
    if kind == "pattern":
        bad = next(v for v in ("?", "x" * 300) if not re.fullmatch(col.pattern or "", v))
        return bad, "is not " if col.pattern_meaning else "does not match the pattern"
    if kind == "vocab":
        return f"not-a-{col.name}", "unknown value"
    if kind in ("minimum", "maximum"):
        bound = col.minimum if kind == "minimum" else col.maximum
        number = bound - 1 if kind == "minimum" else bound + 1  # type: ignore[operator]
        return (str(int(number)) if col.kind == "int" else f"{number:g}"), "outside the allowed range"
    raise AssertionError(kind)


def _replace_everywhere(name: str, column: str, old: str, new: str) -> Callable[[Copy], None]:
    """Replace id ``old`` by ``new`` in every cell of ``column`` that holds it (a whole group moves together)."""
    ref = schema_for(name).column(column).references

    def apply(copy: Copy) -> None:
        rows = copy.rows(name)
        i = rows[0].index(column)
        for row in rows[1:]:
            if ref is not None and old in ref.ids_in(row[i]):
                row[i] = row[i].replace(old, new, 1)
        copy.write(name, rows)

    return apply


def column_case(rule_id: str, name: str, column: str, kind: str) -> Case:
    """The generated case for one column rule: break it in one cell (for an id, in every cell holding it)."""
    schema: Schema = schema_for(name)
    col = schema.column(column)
    rows = pristine_rows(name)
    if kind in ("references", "references-where"):
        ref: References = col.references  # type: ignore[assignment]
        row = _first_row(name, column)
        old = ref.ids_in(rows[row - 2][column])[0]
        if kind == "references":
            old, new = _unknown_id(name, col, rows[row - 2][column])
            says = "unknown"
        else:
            field, allowed = ref.where  # type: ignore[misc]
            key = ref.column or schema_for(ref.table).key
            new = next(r[key] for r in pristine_rows(ref.table) if r[field] not in allowed)
            says = "allowed here"
        hit = [(name, i, column) for i, r in enumerate(rows, start=2) if r[column] and old in ref.ids_in(r[column])]
        return Case(rule_id, _replace_everywhere(name, column, old, new), hit[0], says, tuple(hit[1:]))
    row = _key_row(name, column) if column == schema.key else _first_row(name, column)
    row = COLUMN_ROW.get(f"{name}:{column}", row)
    if kind == "unique":  # the row takes the id of the row before it (a near neighbour: same group, same chain)
        other = row - 1 if row > 2 else row + 1
        value, says = rows[other - 2][column], "duplicate id"
    else:
        value, says = _breaking_value(col, kind)
    return Case(rule_id, lambda copy: copy.set(name, row, column, value), (name, row, column), says)


def _cells(name: str, column: str, **match: str) -> list[Cell]:
    """Every cell of ``column`` in the rows matching ``match`` (for knock-on problems)."""
    return [
        (name, i, column)
        for i, r in enumerate(pristine_rows(name), start=2)
        if all(r[c] == v for c, v in match.items())
    ]


def _row(name: str, **match: str) -> int:
    return next(i for i, r in enumerate(pristine_rows(name), start=2) if all(r[c] == v for c, v in match.items()))


def _edit(name: str, match: dict[str, str], **values: str) -> Callable[[Copy], None]:
    def apply(copy: Copy) -> None:
        row = copy.find(name, **match)
        for column, value in values.items():
            copy.set(name, row, column, value)

    return apply


def _append_copy_of_row(name: str, match: dict[str, str], **values: str) -> Callable[[Copy], None]:
    def apply(copy: Copy) -> None:
        rows = copy.rows(name)
        source = rows[copy.find(name, **match) - 1]
        new = list(source)
        for column, value in values.items():
            new[rows[0].index(column)] = value
        copy.write(name, [*rows, new])

    return apply


def _delete_rows(name: str, keep: Callable[[dict[str, str]], bool]) -> Callable[[Copy], None]:
    def apply(copy: Copy) -> None:
        rows = copy.rows(name)
        copy.write(name, [rows[0]] + [r for r in rows[1:] if keep(dict(zip(rows[0], r, strict=True)))])

    return apply


def _write_bytes(name: str, content: bytes) -> Callable[[Copy], None]:
    return lambda copy: copy.path(name).write_bytes(content)


def _drop_column(name: str, column: str) -> Callable[[Copy], None]:
    def apply(copy: Copy) -> None:
        rows = copy.rows(name)
        i = rows[0].index(column)
        copy.write(name, [r[:i] + r[i + 1 :] for r in rows])

    return apply


def _add_column(name: str, column: str) -> Callable[[Copy], None]:
    return lambda copy: copy.write(name, [r + ([column] if i == 0 else ["x"]) for i, r in enumerate(copy.rows(name))])


def _touch_article(copy: Copy) -> None:
    path = copy.seeds / pristine_rows("documents.csv")[2]["file"]
    path.write_bytes(path.read_bytes() + b" ")


def _rename_article(copy: Copy) -> None:
    old = pristine_rows("documents.csv")[1]["file"]
    (copy.seeds / old).rename(copy.seeds / ("9" + old[1:]))
    copy.set("documents.csv", 3, "file", "9" + old[1:])


def _first_concept() -> str:
    """The first Key Concept code tagged in 01.json (whichever it is), quoted as it appears there."""
    text = (PRISTINE["data"] / "exercises" / "01.json").read_text(encoding="utf-8")
    return '"' + re.search(r'"concepts": \[\s*"([^"]+)"', text).group(1) + '"'


def _json_concept(copy: Copy) -> None:
    path = copy.data / "exercises" / "01.json"
    path.write_text(path.read_text(encoding="utf-8").replace(_first_concept(), '"9.9z"', 1), encoding="utf-8")


def _exercise_line() -> int:
    text = (PRISTINE["data"] / "exercises" / "01.json").read_text(encoding="utf-8")
    before = text[: text.index(_first_concept())]
    exercise_id = re.findall(r'"id": "([^"]+)"', before)[-1]
    return next(i for i, line in enumerate(text.splitlines(), start=1) if f'"id": "{exercise_id}"' in line)


S004_DOC_CELLS = tuple(
    _cells("claims.csv", "doc_id", doc_id="S004") + _cells("article_doses.csv", "doc_id", doc_id="S004")
)
S003_CLAIMS = _cells("claims.csv", "doc_id", doc_id="S003")
ROB_FIRST_GROUP = ("risk_of_bias.csv", 3, "domain")  # the rest of the first trial result, short of a row
GRADE_ROW_2_CERTAINTY = ("grade_outcomes.csv", 2, "certainty")


def _certainty_knock_on(domain: str) -> tuple[Cell, ...]:
    """Row 2's certainty cell, if reading its ``domain`` rating as 0 changes the certainty it adds up to."""
    row = pristine_rows("grade_outcomes.csv")[0]
    steps = {name: int(row[name] or 0) for name in DOMAINS}
    changed = (
        grade_certainty(row["design"], **steps).certainty
        != grade_certainty(row["design"], **{**steps, domain: 0}).certainty
    )
    return (GRADE_ROW_2_CERTAINTY,) if changed else ()


SOL_PUBLISHED = (
    "grade_outcomes.csv",
    _row("grade_outcomes.csv", row_id="insomnia:sleep-onset-latency"),
    "published_certainty",
)

NAMED_CASES = [
    # documents.csv
    Case(
        "documents.csv:every_article_has_a_row",
        _delete_rows("documents.csv", lambda r: r["doc_id"] != "S003"),
        ("documents.csv", 0, "doc_id"),
        "no row for article S003",
        also=tuple(S003_CLAIMS),
    ),
    Case(
        "documents.csv:article_files_exist",
        lambda copy: (copy.seeds / pristine_rows("documents.csv")[1]["file"]).unlink(),
        ("documents.csv", 3, "file"),
        "no such file in seeds/",
    ),
    Case(
        "documents.csv:article_files_start_with_their_ids",
        _rename_article,
        ("documents.csv", 3, "file"),
        "does not start with 001",
    ),
    Case(
        "documents.csv:articles_match_their_checksums",
        _touch_article,
        ("documents.csv", 4, "sha256"),
        "checksum mismatch",
    ),
    # claims.csv
    Case(
        "claims.csv:claim_ids_start_with_their_article",
        _edit("claims.csv", {"claim_id": "S000-C01"}, claim_id="S001-C99"),
        ("claims.csv", 2, "claim_id"),
        "does not belong to article S000",
    ),
    Case(
        "claims.csv:offsets_fall_inside_the_article",
        _edit("claims.csv", {"claim_id": "S000-C01"}, end="999999"),
        ("claims.csv", 2, "end"),
        "fall outside S000",
    ),
    Case(
        "claims.csv:quotes_are_verbatim",
        _edit("claims.csv", {"claim_id": "S000-C02"}, quote="not in the article"),
        ("claims.csv", 3, "quote"),
        "quote is not the text of S000",
    ),
    Case(
        "claims.csv:reason_kinds_fit_their_verdicts",
        _edit("claims.csv", {"claim_id": "S000-C01"}, reason_kind="no-source"),
        ("claims.csv", 2, "reason_kind"),
        "verdict 'supported' takes reason_kind 'matches-source'",
    ),
    Case(
        "claims.csv:families_have_more_than_one_claim",
        _edit("claims.csv", {"claim_id": "S000-C01"}, family="lonely"),
        ("claims.csv", 2, "family"),
        "family 'lonely' has only one claim (S000-C01)",
    ),
    Case(
        "claims.csv:family_verdicts_agree_unless_explained",
        _edit("claims.csv", {"claim_id": "S003-C06"}, verdict="misreported"),
        ("claims.csv", _row("claims.csv", claim_id="S003-C06"), "family"),
        "S003-C06 is misreported but S002-C17 in family 'rls-prevalence-one-in-ten' is overstated",
    ),
    Case(
        "claims.csv:mechanism_claims_have_chains",
        _delete_rows("mechanism_steps.csv", lambda r: not r["step_id"].startswith("S000-C04/")),
        ("claims.csv", _row("claims.csv", claim_id="S000-C04"), "topic"),
        "has no chain",
    ),
    # salts.csv
    Case(
        "salts.csv:formulas_contain_magnesium",
        _edit("salts.csv", {"salt": "oxide"}, formula="CaO"),
        ("salts.csv", 2, "formula"),
        "contains no magnesium",
    ),
    # article_doses.csv
    Case(
        "article_doses.csv:article_rows_name_their_article_and_claim",
        _edit("article_doses.csv", {"dose_id": "S000-abbasi"}, claim_id=""),
        ("article_doses.csv", 2, "claim_id"),
        "an article dose needs its claim_id",
    ),
    Case(
        "article_doses.csv:salt_doses_name_their_salt",
        _edit("article_doses.csv", {"dose_id": "S004-jadidi-salt"}, salt=""),
        ("article_doses.csv", _row("article_doses.csv", dose_id="S004-jadidi-salt"), "salt"),
        "salt must be named",
    ),
    Case(
        "article_doses.csv:milliequivalents_count_magnesium_ions",
        _edit("article_doses.csv", {"dose_id": "S004-jadidi-salt"}, unit="mEq"),
        ("article_doses.csv", _row("article_doses.csv", dose_id="S004-jadidi-salt"), "basis"),
        "basis must be 'elemental'",
    ),
    Case(
        "article_doses.csv:article_doses_come_from_their_claims_article",
        _edit("article_doses.csv", {"dose_id": "S000-abbasi"}, doc_id="S002"),
        ("article_doses.csv", 2, "doc_id"),
        "is quoted from S000, not S002",
    ),
    Case(
        "article_doses.csv:article_doses_quote_their_claim",
        _edit("article_doses.csv", {"dose_id": "S000-abbasi"}, as_stated="600 mg of magnesium per day"),
        ("article_doses.csv", 2, "as_stated"),
        "is not in the quote of claim S000-C05",
    ),
    # intake_reference.csv
    Case(
        "intake_reference.csv:age_ranges_are_ordered",
        _edit("intake_reference.csv", {"life_stage": "4-8 years"}, age_to_years="3"),
        ("intake_reference.csv", _row("intake_reference.csv", life_stage="4-8 years"), "age_to_years"),
        "is not above age_from_years",
    ),
    Case(
        "intake_reference.csv:life_stages_do_not_overlap",
        _edit("intake_reference.csv", {"life_stage": "4-8 years"}, age_to_years="10"),
        ("intake_reference.csv", _row("intake_reference.csv", life_stage="4-8 years") + 1, "age_from_years"),
        "overlaps row",
    ),
    # serum_reference.csv
    Case(
        "serum_reference.csv:serum_ranges_are_ordered",
        _edit("serum_reference.csv", {"quantity_id": "serum-range-medscape"}, low="3"),
        ("serum_reference.csv", 2, "low"),
        "low 3 is above high 2.5",
    ),
    # absorption.csv
    Case(
        "absorption.csv:absorbed_ranges_are_ordered",
        _edit("absorption.csv", {"absorption_id": "firoz2001-oxide"}, absorbed_pct_low="5", absorbed_pct_high="4"),
        ("absorption.csv", 2, "absorbed_pct_low"),
        "is above absorbed_pct_high",
    ),
    Case(
        "absorption.csv:measured_rows_give_a_percentage",
        _edit("absorption.csv", {"absorption_id": "firoz2001-oxide"}, absorbed_pct_high=""),
        ("absorption.csv", 2, "absorbed_pct_high"),
        "needs absorbed_pct_high",
    ),
    Case(
        "absorption.csv:gap_rows_give_no_percentage",
        _edit("absorption.csv", {"absorption_id": "malate-no-data"}, absorbed_pct_low="30"),
        ("absorption.csv", _row("absorption.csv", absorption_id="malate-no-data"), "absorbed_pct_low"),
        "gives no percentage",
    ),
    Case(
        "absorption.csv:claim_rows_name_their_claim",
        _edit("absorption.csv", {"absorption_id": "s002-oxide-claim"}, claim_id=""),
        ("absorption.csv", _row("absorption.csv", absorption_id="s002-oxide-claim"), "claim_id"),
        "needs the claim_id",
    ),
    # design_parameters.csv
    Case(
        "design_parameters.csv:measurement_noise_fits_the_change_sd",
        _edit("design_parameters.csv", {"parameter": "change_sd"}, value="1"),
        ("design_parameters.csv", _row("design_parameters.csv", parameter="measurement_noise_sd"), "value"),
        "is above change_sd / sqrt(2)",
    ),
    Case(
        "design_parameters.csv:measurement_noise_is_below_the_baseline_sd",
        _edit("design_parameters.csv", {"parameter": "baseline_sd"}, value="1"),
        ("design_parameters.csv", _row("design_parameters.csv", parameter="measurement_noise_sd"), "value"),
        "is not below baseline_sd",
    ),
    # body_magnesium.csv
    Case(
        "body_magnesium.csv:body_ranges_are_ordered",
        _edit("body_magnesium.csv", {"quantity": "serum_total_normal_mmol_l"}, low="0.95", high="0.75"),
        ("body_magnesium.csv", _row("body_magnesium.csv", quantity="serum_total_normal_mmol_l"), "low"),
        "low 0.95 is above high 0.75",
    ),
    Case(
        "body_magnesium.csv:body_values_lie_in_their_range",
        _edit("body_magnesium.csv", {"quantity": "share_bone_pct"}, value="70"),
        ("body_magnesium.csv", _row("body_magnesium.csv", quantity="share_bone_pct"), "value"),
        "is outside its range 50 to 60",
    ),
    # mechanism_steps.csv
    Case(
        "mechanism_steps.csv:chain_steps_are_numbered_in_order",
        _edit("mechanism_steps.csv", {"step_id": "S004-C45/2"}, step_id="S004-C45/3"),
        ("mechanism_steps.csv", _row("mechanism_steps.csv", step_id="S004-C45/1"), "step_id"),
        "steps of S004-C45 must be numbered 1..2",
    ),
    Case(
        "mechanism_steps.csv:assumed_links_are_untested",
        _edit("mechanism_steps.csv", {"step_id": "S000-C04/1"}, finding="supports"),
        ("mechanism_steps.csv", _row("mechanism_steps.csv", step_id="S000-C04/1"), "finding"),
        "'assumed' goes with 'untested'",
    ),
    Case(
        "mechanism_steps.csv:chains_have_a_link",
        _edit("mechanism_steps.csv", {"step_id": "S000-C07/1"}, role="outcome"),
        ("mechanism_steps.csv", _row("mechanism_steps.csv", step_id="S000-C07/1"), "role"),
        "chain S000-C07 has no step with role 'link'",
    ),
    # key_concepts.csv
    Case(
        "key_concepts.csv:concept_groups_match_their_codes",
        _edit("key_concepts.csv", {"code": "1.1a"}, group="1.2"),
        ("key_concepts.csv", 2, "group"),
        "belongs to group 1.1, not 1.2",
    ),
    Case(
        "key_concepts.csv:concept_domains_match_their_codes",
        _edit("key_concepts.csv", {"code": "1.1a"}, domain="choices"),
        ("key_concepts.csv", 2, "domain"),
        "is in domain claims, not choices",
    ),
    Case(
        "key_concepts.csv:exercise_concepts_are_key_concepts",
        _json_concept,
        ("exercises/01.json", _exercise_line(), "concepts"),
        "9.9z not in key_concepts.csv",
    ),
    # risk_of_bias.csv
    Case(
        "risk_of_bias.csv:each_result_has_every_domain_once",
        _delete_rows(
            "risk_of_bias.csv",
            lambda r: (r["trial_id"], r["outcome"], r["domain"]) != ("held2002", "total sleep time", "reporting"),
        ),
        ("risk_of_bias.csv", _row("risk_of_bias.csv", trial_id="held2002", outcome="total sleep time"), "domain"),
        "expected one 'reporting' row, found 0",
    ),
    Case(
        "risk_of_bias.csv:overall_follows_the_rob2_rule",
        _edit("risk_of_bias.csv", {"trial_id": "jadidi2022", "domain": "overall"}, judgement="low"),
        ("risk_of_bias.csv", _row("risk_of_bias.csv", trial_id="jadidi2022", domain="overall"), "judgement"),
        "breaks the RoB 2 rule",
    ),
    # grade_outcomes.csv
    Case(
        "grade_outcomes.csv:row_ids_name_condition_and_outcome",
        _edit("grade_outcomes.csv", {"row_id": "rls:rls-severity"}, outcome="sleep-quality"),
        ("grade_outcomes.csv", 2, "row_id"),
        "should be rls:sleep-quality",
    ),
    Case(
        "grade_outcomes.csv:unrated_rows_leave_ratings_blank",
        _edit("grade_outcomes.csv", {"row_id": "rls:total-sleep-time"}, imprecision="-1"),
        ("grade_outcomes.csv", _row("grade_outcomes.csv", row_id="rls:total-sleep-time"), "certainty"),
        "must leave design and domains blank",
        also=(("grade_outcomes.csv", _row("grade_outcomes.csv", row_id="rls:total-sleep-time"), "imprecision_reason"),),
    ),
    Case(
        "grade_outcomes.csv:rated_rows_name_design_and_studies",
        _edit("grade_outcomes.csv", {"row_id": "rls:rls-severity"}, design=""),
        ("grade_outcomes.csv", 2, "design"),
        "needs a design and its studies",
    ),
    Case(
        "grade_outcomes.csv:rated_designs_have_a_grade_start",
        _edit("grade_outcomes.csv", {"row_id": "rls:rls-severity"}, design="meta-analysis"),
        ("grade_outcomes.csv", 2, "design"),
        "has no GRADE start level of its own",
    ),
    Case(
        "grade_outcomes.csv:ratings_are_steps_grade_allows",
        _edit(
            "grade_outcomes.csv",
            {"row_id": "insomnia:sleep-onset-latency"},
            large_effect="1",
            upgrade_reason="a large effect",
        ),
        ("grade_outcomes.csv", _row("grade_outcomes.csv", row_id="insomnia:sleep-onset-latency"), "large_effect"),
        "upgrades apply only to non-randomised evidence",
    ),
    Case(
        "grade_outcomes.csv:ratings_are_steps_grade_allows",
        _edit(
            "grade_outcomes.csv",
            {"row_id": "rls:periodic-limb-movements"},
            dose_response="2",
            upgrade_reason="a gradient",
        ),
        ("grade_outcomes.csv", _row("grade_outcomes.csv", row_id="rls:periodic-limb-movements"), "dose_response"),
        "dose_response must be one of 0, +1",
    ),
    Case(
        "grade_outcomes.csv:certainty_follows_from_the_ratings",
        _edit("grade_outcomes.csv", {"row_id": "rls:rls-severity"}, certainty="moderate"),
        ("grade_outcomes.csv", 2, "certainty"),
        "recorded 'moderate' but the ratings give 'very low'",
    ),
    Case(
        "grade_outcomes.csv:downgrades_give_reasons",
        _edit("grade_outcomes.csv", {"row_id": "insomnia:sleep-onset-latency"}, imprecision_reason=""),
        ("grade_outcomes.csv", _row("grade_outcomes.csv", row_id="insomnia:sleep-onset-latency"), "imprecision_reason"),
        "imprecision is rated -1 but has no reason",
    ),
    Case(
        "grade_outcomes.csv:upgrades_give_a_reason",
        _edit("grade_outcomes.csv", {"row_id": "rls:periodic-limb-movements"}, dose_response="1"),
        ("grade_outcomes.csv", _row("grade_outcomes.csv", row_id="rls:periodic-limb-movements"), "upgrade_reason"),
        "rated up without a reason",
    ),
    Case(
        "grade_outcomes.csv:published_certainty_matches_the_pooled_estimate",
        _edit("pooled_estimates.csv", {"estimate_id": "mahpitre2021-sol"}, certainty_published="moderate"),
        (
            "grade_outcomes.csv",
            _row("grade_outcomes.csv", row_id="insomnia:sleep-onset-latency"),
            "published_certainty",
        ),
        "pooled_estimates.csv row 2 gives 'moderate'",
    ),
    # pooled_estimates.csv
    Case(
        "pooled_estimates.csv:estimates_lie_inside_their_interval",
        _edit("pooled_estimates.csv", {"estimate_id": "mahpitre2021-sol"}, estimate="-30"),
        ("pooled_estimates.csv", 2, "estimate"),
        "is outside its interval",
    ),
    Case(
        "pooled_estimates.csv:estimates_lie_inside_their_interval",
        _edit("pooled_estimates.csv", {"estimate_id": "mahpitre2021-tst"}, ci_low="40"),
        ("pooled_estimates.csv", 3, "ci_high"),
        "ci_high 38.12 is not above ci_low 40",
    ),
    Case(
        "pooled_estimates.csv:p_values_agree_with_their_interval",
        _edit("pooled_estimates.csv", {"estimate_id": "mahpitre2021-tst"}, p_value="0.05"),
        ("pooled_estimates.csv", 3, "p_value"),
        "but the interval implies P = 0.15",
    ),
    Case(
        "pooled_estimates.csv:study_counts_match_the_studies_listed",
        _edit("pooled_estimates.csv", {"estimate_id": "mahpitre2021-sol"}, n_studies="3"),
        ("pooled_estimates.csv", 2, "n_studies"),
        "3 studies, but 2 are listed",
    ),
    # kappa_bands.csv
    Case(
        "kappa_bands.csv:kappa_bands_tile_the_scale",
        _edit("kappa_bands.csv", {"band": "slight"}, high="0.25"),
        ("kappa_bands.csv", 4, "low"),
        "band 'fair' starts at 0.21, but the band before ends at 0.25",
    ),
    Case(
        "kappa_bands.csv:kappa_bands_tile_the_scale",
        _edit("kappa_bands.csv", {"band": "poor"}, low="-0.9"),
        ("kappa_bands.csv", 2, "low"),
        "but the scale starts at -1",
    ),
    # main_outcomes.csv
    Case(
        "main_outcomes.csv:main_claims_belong_to_their_article",
        _edit("main_outcomes.csv", {"doc_id": "S002"}, claim_id="S001-C28"),
        ("main_outcomes.csv", _row("main_outcomes.csv", doc_id="S002"), "claim_id"),
        "is not a claim of S002",
    ),
    Case(
        "main_outcomes.csv:main_claims_belong_to_their_article",
        _delete_rows("main_outcomes.csv", lambda r: r["doc_id"] != "S003"),
        ("main_outcomes.csv", 0, "doc_id"),
        "no row for article S003",
    ),
    # audit_challenges.csv
    Case(
        "audit_challenges.csv:challenges_offer_another_verdict",
        _edit(
            "audit_challenges.csv",
            {"claim_id": "S002-C37"},
            other_verdict="misreported",
            other_reason_kind="number-differs",
        ),
        ("audit_challenges.csv", 2, "other_verdict"),
        "must differ from the audit's verdict 'misreported'",
    ),
    Case(
        "audit_challenges.csv:challenges_offer_another_verdict",
        _edit("audit_challenges.csv", {"claim_id": "S002-C37"}, other_reason_kind="no-source"),
        ("audit_challenges.csv", 2, "other_reason_kind"),
        "verdict 'supported' takes reason_kind matches-source",
    ),
    # file-level checks
    Case(
        "*:file-readable",
        lambda copy: copy.path("serum_reference.csv").unlink(),
        ("serum_reference.csv", 0, "-"),
        "file not found",
    ),
    Case(
        "*:file-readable",
        _write_bytes("serum_reference.csv", b"\xff\xfe\x00quantity_id"),
        ("serum_reference.csv", 0, "-"),
        "not valid UTF-8",
    ),
    Case(
        "*:file-readable",
        lambda copy: copy.set("serum_reference.csv", 2, "notes", "x" * 200_000),
        ("serum_reference.csv", 0, "-"),
        "not a readable CSV file (field larger than field limit",
    ),
    Case(
        "*:header-present",
        _write_bytes("serum_reference.csv", b""),
        ("serum_reference.csv", 1, "-"),
        "the file is empty",
    ),
    Case(
        "*:no-missing-column",
        _drop_column("serum_reference.csv", "notes"),
        ("serum_reference.csv", 1, "notes"),
        "missing column",
    ),
    Case(
        "*:no-unexpected-column",
        _add_column("serum_reference.csv", "colour"),
        ("serum_reference.csv", 1, "colour"),
        "unexpected column",
    ),
    Case(
        "*:row-length",
        lambda copy: copy.write(
            "serum_reference.csv",
            [r + (["extra"] if i == 2 else []) for i, r in enumerate(copy.rows("serum_reference.csv"))],
        ),
        ("serum_reference.csv", 3, "-"),
        "has 10 cells but the header has 9",
    ),
    Case(
        "*:catalogued", _write_bytes("mystery.csv", b"a,b\n1,2\n"), ("mystery.csv", 0, "-"), "data file has no schema"
    ),
]

#: Rows chosen by hand for generated column cases (the default row would break a second rule too).
COLUMN_ROW: dict[str, int] = {
    # the oldest pregnancy group: an age range left open there overlaps no other row
    "intake_reference.csv:age_to_years": _row("intake_reference.csv", life_stage="31-50 years", condition="pregnant"),
}

#: Knock-on cells of generated column cases: breaking one cell unavoidably breaks these too.
COLUMN_ALSO: dict[str, tuple[Cell, ...]] = {
    # an article's id gone from documents.csv: its row is missing, and every claim and dose of it points nowhere
    "documents.csv:doc_id:required": (("documents.csv", 0, "doc_id"), *S004_DOC_CELLS),
    "documents.csv:doc_id:vocab": (("documents.csv", 0, "doc_id"), *S004_DOC_CELLS),
    "documents.csv:doc_id:unique": (("documents.csv", 0, "doc_id"), ("documents.csv", 6, "file"), *S004_DOC_CELLS),
    # a chain's steps renumbered or moved to another claim
    "mechanism_steps.csv:step_id:unique": (
        ("mechanism_steps.csv", _row("mechanism_steps.csv", step_id="S004-C45/1"), "step_id"),
    ),
    "mechanism_steps.csv:step_id:references": (("claims.csv", _row("claims.csv", claim_id="S000-C03"), "topic"),),
    # a RoB 2 row without its trial or outcome leaves that result one domain short
    "risk_of_bias.csv:trial_id:required": (ROB_FIRST_GROUP,),
    "risk_of_bias.csv:outcome:required": (ROB_FIRST_GROUP,),
    # a GRADE rating that cannot be read counts as 0, which may no longer add up to the recorded certainty
    **{
        f"grade_outcomes.csv:{domain}:{kind}": _certainty_knock_on(domain)
        for domain in DOMAINS
        for kind in ("number", "minimum", "maximum")
    },
    # an article's main-promise row without its article: that article has no row, and its claim belongs elsewhere
    "main_outcomes.csv:doc_id:required": (("main_outcomes.csv", 0, "doc_id"),),
    "main_outcomes.csv:doc_id:vocab": (("main_outcomes.csv", 0, "doc_id"),),
    "main_outcomes.csv:doc_id:unique": (("main_outcomes.csv", 0, "doc_id"), ("main_outcomes.csv", 6, "claim_id")),
    # the pooled estimate a published GRADE certainty is checked against can no longer be found
    "pooled_estimates.csv:condition:required": (SOL_PUBLISHED,),
    "pooled_estimates.csv:condition:vocab": (SOL_PUBLISHED,),
    "pooled_estimates.csv:outcome:required": (SOL_PUBLISHED,),
    "pooled_estimates.csv:certainty_published:vocab": (SOL_PUBLISHED,),
}

#: Column rules that no single cell of the referring table can break.
COLUMN_OVERRIDE: dict[str, Case] = {
    # claims' doc_id is also a vocabulary (S000-S004), so the reference breaks only when documents.csv loses a row
    "claims.csv:doc_id:references": Case(
        "claims.csv:doc_id:references",
        _delete_rows("documents.csv", lambda r: r["doc_id"] != "S003"),
        S003_CLAIMS[0],
        "unknown doc_id 'S003' (not in documents.csv)",
        also=(("documents.csv", 0, "doc_id"), *S003_CLAIMS[1:]),
    ),
    # a table of one row has no neighbour to copy an id from: the row is copied instead
    "audit_challenges.csv:claim_id:unique": Case(
        "audit_challenges.csv:claim_id:unique",
        _append_copy_of_row("audit_challenges.csv", {"claim_id": "S002-C37"}),
        ("audit_challenges.csv", 3, "claim_id"),
        "duplicate id",
    ),
}


def all_cases() -> list[Case]:
    cases = list(NAMED_CASES)
    for info in rule_list():
        if info.kind not in ("named", "file"):
            case = COLUMN_OVERRIDE.get(info.id) or column_case(info.id, info.table, info.column, info.kind)
            also = case.also + COLUMN_ALSO.get(info.id, ())
            cases.append(Case(case.rule, case.edit, case.where, case.says, also))
    return cases


CASES = all_cases()


# ------------------------------------------------------------------------------------------ running a case


@pytest.fixture(scope="module")
def parse_once():
    """Parse each distinct file content once: a case edits one file, the other files need no re-parsing."""
    seen: dict[tuple[str, str, int], tuple[list[dict[str, object]], list[object]]] = {}

    def memo(path: Path, schema: Schema, label: str | None = None):  # type: ignore[no-untyped-def]
        try:
            digest = hashlib.sha1(Path(path).read_bytes()).hexdigest()
        except OSError:
            return read_records(path, schema, label)
        key = (digest, label or Path(path).name, id(schema))
        if key not in seen:
            seen[key] = read_records(path, schema, label)
        records, problems = seen[key]
        return [dict(r) for r in records], list(problems)

    patch = pytest.MonkeyPatch()
    patch.setattr(rules_module, "read_records", memo)
    yield
    patch.undo()


def cells(problems: list) -> set[Cell]:  # type: ignore[type-arg]
    return {(p.file, p.row, p.column) for p in problems}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}|{c.says[:30]}" for c in CASES])
def test_mutation_is_caught(case: Case, tmp_path: Path, parse_once: None) -> None:
    copy = Copy(tmp_path)
    case.edit(copy)
    problems = validate(copy.seeds, copy.data)
    assert cells(problems) == {case.where, *case.also}, [str(p) for p in problems]
    at = [p.message for p in problems if (p.file, p.row, p.column) == case.where]
    assert any(case.says in message for message in at), at


def test_every_rule_has_a_mutation_case() -> None:
    covered = {c.rule for c in CASES}
    missing = [r.id for r in rule_list() if r.id not in covered]
    assert not missing, "rules that no mutation case breaks (add a case to NAMED_CASES):\n" + "\n".join(missing)
    assert not covered - {r.id for r in rule_list()}, "cases for rules that do not exist"


ID_COLUMN = re.compile(r".*_ids?|studies|salt|compare_with")


def id_columns_without_reference(schemas: dict[str, Schema]) -> list[str]:
    """Columns that hold ids of another table but declare no reference (keys and vocabularies aside)."""
    return [
        f"{name}:{col.name}"
        for name, schema in schemas.items()
        for col in schema.columns
        if ID_COLUMN.fullmatch(col.name) and col.name != schema.key and col.vocab is None and col.references is None
    ]


def test_every_id_column_points_into_a_table() -> None:
    schemas = {name: schema_for(name) for name in TABLES}
    assert id_columns_without_reference(schemas) == []
    # ... and the check can fail: a table with an unreferenced id column is caught.
    lonely = Schema((Column("widget_id"), Column("study_id"), Column("studies")), key="widget_id")
    assert id_columns_without_reference({"widgets.csv": lonely}) == ["widgets.csv:study_id", "widgets.csv:studies"]


# ------------------------------------------------------------------------------------------ the real command

CLI_CASES = [
    c
    for c in CASES
    if c.rule
    in (
        "claims.csv:quotes_are_verbatim",
        "article_doses.csv:claim_id:references",
        "mechanism_steps.csv:assumed_links_are_untested",
        "grade_outcomes.csv:certainty_follows_from_the_ratings",
        "pooled_estimates.csv:review_id:references-where",
        "*:catalogued",
    )
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.rule for c in CLI_CASES])
def test_the_command_line_names_file_row_and_column(case: Case, tmp_path: Path) -> None:
    copy = Copy(tmp_path)
    case.edit(copy)
    result = subprocess.run(
        [sys.executable, "-m", "mgedu", "check", "--seeds", str(copy.seeds), "--data", str(copy.data)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    file, row, column = case.where
    lines = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    assert any(line.startswith(f"{file}:{row}:{column}: ") and case.says in line for line in lines), result.stderr


def test_the_rule_list_is_printed_and_counted() -> None:
    result = subprocess.run([sys.executable, "-m", "mgedu", "check", "--list-rules"], capture_output=True, text=True)
    assert result.returncode == 0
    *lines, total = result.stdout.strip().splitlines()
    assert total == f"{len(rule_list())} rules" and len(lines) == len(rule_list())
