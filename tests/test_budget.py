"""Yearly budget: the ``budget`` command against the payment schedule it sums, and territories
that add up (the 12 departments of region 84 make the region)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cpts_analysis.analysis.budget import territory_budget
from cpts_analysis.analysis.comparison import compare_territory
from cpts_analysis.cli import main
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.territory.communes import load_departements
from cpts_analysis.territory.registry import load_registry
from cpts_analysis.territory.territories import cpts_summary

DATE = "2026-06-30"
CONTRACT_FILES = ("indicateurs_contrat.csv", "resultats_indicateurs.csv")
CPTS = "ARA-42-03"  # six missions, results for several years


def run_json(capsys, *argv: str) -> dict:
    code = main([*argv, "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def by_year(payments: pd.DataFrame) -> dict[int, float]:
    dates = pd.to_datetime(payments["date"])
    sums = payments["amount"].groupby(dates.dt.year).sum()
    return {int(year): round(float(amount), 2) for year, amount in sums.items()}


def test_one_cpts_equals_its_schedule_command_summed_by_year(capsys, tmp_path):
    """Without registry results or local amounts, a CPTS is exactly what ``schedule`` computes
    from its population, signature and mission starts: the two commands must agree."""
    registry = tmp_path / "registre"
    shutil.copytree(EXAMPLE_REGISTRY, registry)
    for name in ("resultats.csv", "montants.csv"):
        table = pd.read_csv(registry / name, dtype=str)
        table[table["cpts_id"] != CPTS].to_csv(registry / name, index=False)
    loaded = load_registry(registry)
    row = loaded.cpts.set_index("cpts_id").loc[CPTS]
    members = loaded.communes[loaded.communes["cpts_id"] == CPTS]
    population = cpts_summary(loaded.cpts[loaded.cpts["cpts_id"] == CPTS], members, DATE)
    missions = loaded.missions[loaded.missions["cpts_id"] == CPTS]
    starts = [
        f"{m}={d:%Y-%m-%d}"
        for m, d in zip(missions["mission"], missions["date_demarrage"], strict=True)
    ]

    schedule = run_json(
        capsys,
        "schedule",
        "--population",
        str(int(population["population"].iloc[0])),
        "--signed",
        f"{row['date_signature']:%Y-%m-%d}",
        *[arg for start in starts for arg in ("--mission", start)],
    )
    budget = run_json(
        capsys, "budget", "--territory", CPTS, "--registry", str(registry), "--date", DATE
    )

    expected = by_year(pd.DataFrame(schedule["payments"]))
    assert {y["year"]: y["amount"] for y in budget["years"]} == pytest.approx(expected, abs=0.01)
    assert budget["total"] == pytest.approx(schedule["total"], abs=0.01)
    assert len(expected) >= 10  # a 5-year contract and its renewal span 11 calendar years


def test_one_cpts_with_results_and_local_amounts_equals_report_schedule(capsys):
    """With the registry's results and local amounts: the comparison report's schedule."""
    cpts = "ARA-07-02"  # has local amounts (montants.csv) and results
    assert cpts in set(load_registry(EXAMPLE_REGISTRY).montants["cpts_id"])
    schedule = compare_territory(load_registry(EXAMPLE_REGISTRY), cpts, DATE).schedule
    budget = run_json(capsys, "budget", "--territory", cpts, "--date", DATE)

    assert {y["year"]: y["amount"] for y in budget["years"]} == pytest.approx(
        by_year(schedule), abs=0.01
    )
    for year in budget["years"]:
        payments = schedule[schedule["date"].dt.year == year["year"]]
        missions = payments.groupby("mission")["amount"].sum()
        assert {m: a for m, a in year["by_mission"].items() if a} == pytest.approx(
            missions.round(2).to_dict(), abs=0.01
        )
        assert year["amount"] == pytest.approx(sum(year["by_mission"].values()), abs=0.01)
        assert year["projected"] == bool((payments["date"] > pd.Timestamp(DATE)).any())


def test_departments_of_region_84_add_up_to_the_region(capsys):
    departements = load_departements()
    codes = sorted(departements.loc[departements["region"] == "84", "code"])
    assert len(codes) == 12
    region = run_json(capsys, "budget", "--territory", "region:84", "--date", DATE)
    years = {y["year"]: y for y in region["years"]}
    summed: dict[int, dict[str, float]] = {}
    total = 0.0
    for code in codes:
        part = run_json(capsys, "budget", "--territory", f"departement:{code}", "--date", DATE)
        assert part["years"], f"no payment in departement {code}"
        total += part["total"]
        for year in part["years"]:
            assert year["projected"] == years[year["year"]]["projected"]
            for mission, amount in year["by_mission"].items():
                cell = summed.setdefault(year["year"], {})
                cell[mission] = cell.get(mission, 0.0) + amount
    assert total == pytest.approx(region["total"], abs=0.01)
    assert set(summed) == set(years)
    for year, missions in summed.items():
        expected = {m: a for m, a in years[year]["by_mission"].items() if a}
        assert {m: a for m, a in missions.items() if a} == pytest.approx(expected, abs=0.01)


def test_json_contract_years_range_and_projection(capsys):
    payload = run_json(
        capsys, "budget", "--territory", "42", "--from", "2025", "--to", "2027", "--date", DATE
    )
    assert list(payload) == ["territory", "years", "total"]
    assert payload["territory"] == "42"
    assert [y["year"] for y in payload["years"]] == [2025, 2026, 2027]
    assert [list(y) for y in payload["years"]] == [
        ["year", "amount", "by_mission", "projected", "renewal"]
    ] * 3
    # 2025: every payment due before 30/06/2026; 2026 straddles it; 2027 is all ahead.
    assert [y["projected"] for y in payload["years"]] == [False, True, True]
    assert payload["total"] == pytest.approx(sum(y["amount"] for y in payload["years"]))
    whole = territory_budget(load_registry(EXAMPLE_REGISTRY), "42", DATE).payload("42")
    assert [y for y in whole["years"] if 2025 <= y["year"] <= 2027] == payload["years"]


def test_payment_on_the_reference_date_is_past():
    registry = load_registry(EXAMPLE_REGISTRY)
    schedule = compare_territory(registry, CPTS, DATE).schedule
    day = schedule["date"].iloc[3]
    lines = territory_budget(registry, CPTS, day).lines
    year = lines[lines["year"] == day.year]
    due = schedule[(schedule["date"] <= day) & (schedule["date"].dt.year == day.year)]
    assert year.loc[~year["projected"], "amount"].sum() == pytest.approx(due["amount"].sum())


def test_table_and_csv_formats(capsys):
    assert main(["budget", "--territory", "42", "--date", DATE]) == 0
    out = capsys.readouterr().out
    assert "Département Loire (42)" in out and "prévisionnel" in out and "réalisé" in out
    assert "€" in out and "Total" in out
    assert (
        main(["budget", "--territory", "42", "--date", DATE, "--format", "csv", "--csv", "tidy"])
        == 0
    )
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(table.columns) == ["year", "mission", "component", "amount", "projected", "renewal"]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--territory", "42", "--from", "2030", "--to", "2020"], 2, "--from 2030"),
        (["--territory", "99"], 2, "« 99 » n'est ni"),
        (["--territory", "42", "--from", "deux"], 2, "--from"),
        (["--territory", "42", "--registry", "nulle-part"], 1, "registre introuvable"),
    ],
)
def test_bad_arguments(capsys, argv, code, message):
    try:
        result = main(["budget", *argv])
    except SystemExit as exit_:
        result = exit_.code
    err = capsys.readouterr().err
    assert result == code and message in err and "Traceback" not in err


def test_territory_without_signed_cpts(capsys, tmp_path: Path):
    """No contract in the territory: an empty budget (and comparison), not a crash."""
    registry = tmp_path / "r"
    shutil.copytree(EXAMPLE_REGISTRY, registry)
    cpts = pd.read_csv(registry / "cpts.csv", dtype=str, keep_default_na=False)
    cpts.loc[cpts["departement"] == "42", ["date_signature", "statut"]] = ["", "projet"]
    cpts.to_csv(registry / "cpts.csv", index=False)
    missions = pd.read_csv(registry / "missions.csv", dtype=str)
    kept = ~missions["cpts_id"].str.startswith("ARA-42")
    missions[kept].to_csv(registry / "missions.csv", index=False)
    for name in ("resultats.csv", "montants.csv", *CONTRACT_FILES):
        table = pd.read_csv(registry / name, dtype=str)
        table[~table["cpts_id"].str.startswith("ARA-42")].to_csv(registry / name, index=False)
    payload = run_json(capsys, "budget", "--territory", "42", "--registry", str(registry))
    assert payload == {"territory": "42", "years": [], "total": 0.0}
    comparison = compare_territory(load_registry(registry), "42", DATE)  # used to crash
    assert comparison.schedule.empty and comparison.headline()["financement_annuel_total"] == 0


def test_budget_chart_draws_every_year_and_mission_once_in_the_legend():
    from cpts_analysis.aci.missions import mission_order
    from cpts_analysis.analysis.budget import budget_by_mission, yearly_budget
    from cpts_analysis.report import plots

    loire = compare_territory(load_registry(EXAMPLE_REGISTRY), "42", "2025-06-01")
    table = budget_by_mission(yearly_budget(loire.schedule, loire.date))
    order = ["fonctionnement", *mission_order()]
    axes = plots.budget_bars(table, order).axes[0]
    missions = [m for m in order if m in table.columns]
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert len(legend) == len(missions) == len(set(legend))
    tops = {}
    for collection in axes.collections:
        for path in collection.get_paths():
            x = round(float(path.vertices[:, 0].mean()))
            tops[x] = max(tops.get(x, 0.0), float(path.vertices[:, 1].max()))
        hatched = collection.get_hatch() is not None
        years = {round(float(p.vertices[:, 0].mean())) for p in collection.get_paths()}
        assert all(table["projected"].iloc[y] == hatched for y in years)
    totals = table[missions].sum(axis=1)
    assert [round(tops[i], 2) for i in range(len(table))] == [round(t, 2) for t in totals]
    assert axes.get_ylim()[0] == 0
    assert [t.get_text() for t in axes.get_xticklabels()] == table["year"].astype(str).tolist()


def test_renewal_is_shown_as_a_hypothesis(capsys):
    """Amounts after the fifth contract year rest on the tacit renewal: the budget says how
    much, and the schedule marks each such year."""
    assert main(["budget", "--territory", "42", "--date", "2026-06-01", "--format", "json"]) == 0
    years = {y["year"]: y for y in json.loads(capsys.readouterr().out)["years"]}
    assert years[2019]["renewal"] == 0 and years[2026]["renewal"] > 0
    assert all(0 <= y["renewal"] <= y["amount"] for y in years.values())
    assert main(["budget", "--territory", "42", "--date", "2026-06-01"]) == 0
    assert "Dont renouvellement tacite (hypothèse)" in capsys.readouterr().out
    argv = ["schedule", "--population", "52000", "--signed", "2021-03-01"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "6 — renouvellement tacite (hypothèse)" in out and "1 — renouvellement" not in out
    assert "Années de contrat 6 à 10 : renouvellement tacite (hypothèse)" in out
