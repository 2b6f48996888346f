"""Dose tables and the trial chart as notebook 04 shows them: human labels, no missing values, no raw ids."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mgedu.display import table_html, table_text
from mgedu.dose_reconciliation import TRIAL_TABLE_COLUMNS, cited_studies, reconcile_doses, trial_dose_table
from mgedu.doses import elemental_fraction, load_salts, salt_table
from mgedu.plots.doses import plot_trial_doses
from mgedu.studies import study_label


def test_cited_studies_are_the_trials_the_article_rows_report() -> None:
    doses = reconcile_doses()
    assert set(cited_studies()) == set(doses[doses.dose_id.str.startswith("S")].study_id)
    assert len(cited_studies()) == len(set(cited_studies()))


def test_trial_table_has_human_labels_and_no_missing_values() -> None:
    table = trial_dose_table()
    assert tuple(table.columns) == TRIAL_TABLE_COLUMNS
    assert not table.isna().any().any()
    assert all(isinstance(v, str) and v.strip() for v in table.to_numpy().ravel())
    text = table.to_string()
    assert "NaN" not in text and "None" not in text and "<NA>" not in text
    assert not any(s in text for s in cited_studies()), "study ids are shown as the names readers use"


def test_trial_table_reads_every_way_the_words_allow() -> None:
    table = trial_dose_table(["jadidi2022"])
    assert list(table["Trial"]) == [study_label("jadidi2022")] * 2
    expected = sorted(f"{250 * f:.0f}" for f in (elemental_fraction("oxide"), 1.0))
    assert sorted(table["Elemental magnesium (mg)"]) == expected


def test_trial_table_says_what_is_not_reported_and_why_a_share_is_missing() -> None:
    hornyak = trial_dose_table(["hornyak1998"]).iloc[0]
    assert hornyak["Salt"] == "not reported" and hornyak["Salt weight (mg)"] == "not reported"
    single = trial_dose_table(["schuette1994"]).iloc[0]
    assert single["% of RDA"] == single["% of supplemental UL"] == "one test dose, not a daily dose"


def test_trial_table_follows_the_person_and_the_order_asked_for() -> None:
    table = trial_dose_table(["hornyak1998", "abbasi2012"], age_years=25, sex="male")
    assert list(table["Trial"])[0] == study_label("hornyak1998")
    ref = reconcile_doses(age_years=25, sex="male").set_index("dose_id").loc["trial-hornyak"]
    assert (
        table.iloc[0]["% of RDA"] == f"{ref.pct_rda:.0f}"
        and table.iloc[0]["% of supplemental UL"] == f"{ref.pct_ul:.0f}"
    )


def test_trial_table_shows_a_dash_where_an_authority_sets_no_ul() -> None:
    row = trial_dose_table(["hornyak1998"], age_years=30, sex="female", authority="ICMR-NIN").iloc[0]
    assert row["% of supplemental UL"] == "—" and row["% of RDA"].isdigit()


def test_trial_table_shows_a_range_when_the_rda_is_disputed(monkeypatch: pytest.MonkeyPatch) -> None:
    import mgedu.dose_reconciliation as reconciliation

    table = reconcile_doses()
    disputed = table.rename(columns={"pct_rda": "pct_rda_low"}).assign(pct_rda_high=table.pct_rda * 1.1)
    monkeypatch.setattr(reconciliation, "reconcile_doses", lambda **_: disputed)
    row = trial_dose_table(["hornyak1998"]).iloc[0]
    low = table.set_index("dose_id").loc["trial-hornyak", "pct_rda"]
    assert row["% of RDA"] == f"{low:.0f}-{low * 1.1:.0f}"


def test_trial_table_refuses_an_unknown_study() -> None:
    with pytest.raises(ValueError, match="unknown 'nobody1999'"):
        trial_dose_table(["hornyak1998", "nobody1999"])


def test_salt_table_matches_molmass_and_has_human_labels() -> None:
    table = salt_table()
    salts = load_salts()
    assert list(table.columns) == [
        "Salt",
        "Formula",
        "Molar mass (g/mol)",
        "Magnesium atoms",
        "Magnesium by weight (%)",
    ]
    assert list(table["Salt"]) == list(salts.name) and not table.isna().any().any()
    for key, share in zip(salts.salt, table["Magnesium by weight (%)"], strict=True):
        assert math.isclose(share, round(100 * elemental_fraction(key), 1))


def test_trial_chart_of_the_cited_trials_names_them_as_readers_do() -> None:
    ax = plot_trial_doses(studies=cited_studies())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert study_label("abbasi2012") in labels and "abbasi2012" not in labels
    assert study_label("held2002") not in labels, "only the trials asked for are drawn"
    assert ax.get_title().startswith("1 of 4 trials")
    with pytest.raises(ValueError, match="unknown 'nobody1999'"):
        plot_trial_doses(studies=["nobody1999"])
    with pytest.raises(ValueError, match="at least one trial"):
        plot_trial_doses(studies=["bartell2006"])


def test_show_table_reads_missing_values_as_words_and_escapes_data() -> None:
    frame = pd.DataFrame({"dose (mg)": [250.0, None], "note": ["<b>x</b>", "ok"]})
    text = table_text(frame, missing="not reported")
    assert "not reported" in text and "NaN" not in text
    html = table_html(frame, caption="Doses", missing="not reported", index=False)
    assert 'role="region"' in html and 'tabindex="0"' in html and "overflow-x:auto" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html and "not reported" in html


@pytest.mark.parametrize("studies", [None, cited_studies()], ids=["all trials", "cited trials"])
def test_trial_chart_note_and_labels_fit_inside_the_figure(studies: tuple[str, ...] | None) -> None:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from mgedu.plots import use_style

    with matplotlib.rc_context():
        use_style()
        ax = plot_trial_doses(studies=studies)
        FigureCanvasAgg(ax.figure).draw()
        box = ax.figure.bbox
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts, *ax.get_yticklabels()]
        outside = [
            t.get_text()[:40]
            for t in texts
            if t.get_text() and ((b := t.get_window_extent()).x0 < box.x0 - 1 or b.x1 > box.x1 + 1 or b.y1 > box.y1 + 1)
        ]
        assert outside == []
        note = next(t for t in ax.texts if "UL counts supplements only" in t.get_text())
        assert note.get_window_extent().y1 < ax.title.get_window_extent().y0, "the note stays below the title"
