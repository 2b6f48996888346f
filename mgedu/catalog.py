"""The catalogue of every data table: where it lives, the schema that checks it, the rules it must follow.

Schemas and rules live next to the code that uses them; this catalogue names them as
``"module:ATTRIBUTE"`` strings so that :func:`mgedu.tables.load` and :func:`mgedu.validate` can find
them without importing every module up front. A rule is declared once: column rules (kind, vocabulary,
pattern, range, the table an id column points into) in the schema, rules across rows or tables as a
named function listed here. The loader of a table runs its column rules and the listed rules that read
no other table; ``python -m mgedu check`` runs them all. Every file in ``mgedu/data/`` must be listed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from mgedu.rules import Corpus, Rows
    from mgedu.tables import Problem, Schema

Rule = Callable[["Rows", "Corpus"], Iterable["Problem"]]


@dataclass(frozen=True)
class Table:
    """One data table: its schema (``"module:ATTRIBUTE"``), its home folder, its named rules (``"module:function"``)."""

    schema: str
    home: Literal["data", "seeds"] = "data"
    rules: tuple[str, ...] = ()


TABLES: dict[str, Table] = {
    "documents.csv": Table(
        "mgedu.seeds:DOCUMENTS_SCHEMA",
        "seeds",
        rules=(
            "mgedu.seeds:every_article_has_a_row",
            "mgedu.seeds:article_files_exist",
            "mgedu.seeds:article_files_start_with_their_ids",
            "mgedu.seeds:articles_match_their_checksums",
        ),
    ),
    "claims.csv": Table(
        "mgedu.seeds:CLAIMS_SCHEMA",
        "seeds",
        rules=(
            "mgedu.seeds:claim_ids_start_with_their_article",
            "mgedu.seeds:offsets_fall_inside_the_article",
            "mgedu.seeds:quotes_are_verbatim",
            "mgedu.seeds:reason_kinds_fit_their_verdicts",
            "mgedu.seeds:families_have_more_than_one_claim",
            "mgedu.seeds:family_verdicts_agree_unless_explained",
            "mgedu.mechanisms:mechanism_claims_have_chains",
        ),
    ),
    "studies.csv": Table("mgedu.studies:STUDIES_SCHEMA"),
    "salts.csv": Table("mgedu.doses:SALTS_SCHEMA", rules=("mgedu.doses:formulas_contain_magnesium",)),
    "article_doses.csv": Table(
        "mgedu.dose_reconciliation:ARTICLE_DOSES_SCHEMA",
        rules=(
            "mgedu.dose_reconciliation:article_rows_name_their_article_and_claim",
            "mgedu.dose_reconciliation:salt_doses_name_their_salt",
            "mgedu.dose_reconciliation:milliequivalents_count_magnesium_ions",
            "mgedu.dose_reconciliation:article_doses_come_from_their_claims_article",
            "mgedu.dose_reconciliation:article_doses_quote_their_claim",
        ),
    ),
    "intake_reference.csv": Table(
        "mgedu.intake:INTAKE_SCHEMA",
        rules=(
            "mgedu.intake:age_ranges_are_ordered",
            "mgedu.intake:life_stages_do_not_overlap",
        ),
    ),
    "serum_reference.csv": Table("mgedu.intake:SERUM_SCHEMA", rules=("mgedu.intake:serum_ranges_are_ordered",)),
    "absorption.csv": Table(
        "mgedu.absorption:ABSORPTION_SCHEMA",
        rules=(
            "mgedu.absorption:absorbed_ranges_are_ordered",
            "mgedu.absorption:measured_rows_give_a_percentage",
            "mgedu.absorption:gap_rows_give_no_percentage",
            "mgedu.absorption:claim_rows_name_their_claim",
        ),
    ),
    "design_parameters.csv": Table(
        "mgedu.designs:PARAMETERS_SCHEMA",
        rules=(
            "mgedu.designs:measurement_noise_fits_the_change_sd",
            "mgedu.designs:measurement_noise_is_below_the_baseline_sd",
        ),
    ),
    "body_magnesium.csv": Table(
        "mgedu.mechanisms:BODY_MAGNESIUM_SCHEMA",
        rules=(
            "mgedu.mechanisms:body_ranges_are_ordered",
            "mgedu.mechanisms:body_values_lie_in_their_range",
        ),
    ),
    "mechanism_steps.csv": Table(
        "mgedu.mechanisms:MECHANISM_STEPS_SCHEMA",
        rules=(
            "mgedu.mechanisms:chain_steps_are_numbered_in_order",
            "mgedu.mechanisms:assumed_links_are_untested",
            "mgedu.mechanisms:chains_have_a_link",
        ),
    ),
    "key_concepts.csv": Table(
        "mgedu.classroom.concepts:KEY_CONCEPTS_SCHEMA",
        rules=(
            "mgedu.classroom.concepts:concept_groups_match_their_codes",
            "mgedu.classroom.concepts:concept_domains_match_their_codes",
            "mgedu.classroom.concepts:exercise_concepts_are_key_concepts",
        ),
    ),
    "discrepancies.csv": Table("mgedu.claims:DISCREPANCIES_SCHEMA"),
    "risk_of_bias.csv": Table(
        "mgedu.risk_of_bias:RISK_OF_BIAS_SCHEMA",
        rules=(
            "mgedu.risk_of_bias:each_result_has_every_domain_once",
            "mgedu.risk_of_bias:overall_follows_the_rob2_rule",
        ),
    ),
    "grade_outcomes.csv": Table(
        "mgedu.certainty:GRADE_OUTCOMES_SCHEMA",
        rules=(
            "mgedu.certainty:row_ids_name_condition_and_outcome",
            "mgedu.certainty:unrated_rows_leave_ratings_blank",
            "mgedu.certainty:rated_rows_name_design_and_studies",
            "mgedu.certainty:rated_designs_have_a_grade_start",
            "mgedu.certainty:ratings_are_steps_grade_allows",
            "mgedu.certainty:certainty_follows_from_the_ratings",
            "mgedu.certainty:downgrades_give_reasons",
            "mgedu.certainty:upgrades_give_a_reason",
            "mgedu.certainty:published_certainty_matches_the_pooled_estimate",
        ),
    ),
    "pooled_estimates.csv": Table(
        "mgedu.pooling:POOLED_SCHEMA",
        rules=(
            "mgedu.pooling:estimates_lie_inside_their_interval",
            "mgedu.pooling:p_values_agree_with_their_interval",
            "mgedu.pooling:study_counts_match_the_studies_listed",
        ),
    ),
    "kappa_bands.csv": Table(
        "mgedu.practice.agreement:KAPPA_BANDS_SCHEMA", rules=("mgedu.practice.agreement:kappa_bands_tile_the_scale",)
    ),
    "glossary.csv": Table("mgedu.glossary:GLOSSARY_SCHEMA"),
    "main_outcomes.csv": Table(
        "mgedu.report_cards:MAIN_OUTCOMES_SCHEMA", rules=("mgedu.report_cards:main_claims_belong_to_their_article",)
    ),
    "audit_challenges.csv": Table(
        "mgedu.practice.appraisal:AUDIT_CHALLENGES_SCHEMA",
        rules=("mgedu.practice.appraisal:challenges_offer_another_verdict",),
    ),
}


def table_entry(name: str) -> Table:
    """The catalogue entry of table ``name``; ``ValueError`` listing the known tables when there is none.

    >>> table_entry("claims.csv").home
    'seeds'
    """
    try:
        return TABLES[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(TABLES))
        raise ValueError(f"no table called {name!r} in the catalogue; known tables: {known}") from None


def _resolve(target: str) -> object:
    module_name, attribute = target.split(":")
    return getattr(importlib.import_module(module_name), attribute)


def schema_for(name: str) -> Schema:
    """The schema registered for table ``name``.

    >>> schema_for("studies.csv").key
    'study_id'
    """
    return _resolve(table_entry(name).schema)  # type: ignore[return-value]


def rules_for(name: str) -> list[Rule]:
    """The named rules registered for table ``name``, in catalogue order.

    >>> [rule.__name__ for rule in rules_for("serum_reference.csv")]
    ['serum_ranges_are_ordered']
    """
    return [_resolve(target) for target in table_entry(name).rules]  # type: ignore[misc]
