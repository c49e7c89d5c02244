"""Rule variants: the overlay loader's errors, the two worlds kept apart, and the cost of a
proposal per CPTS (the acceptance case of issue 12 on the shipped registry)."""

from __future__ import annotations

import json
import shutil
import textwrap

import pandas as pd
import pytest
from conftest import edit

from cpts_analysis.aci.funding import compute_funding
from cpts_analysis.aci.parameter_files import default_tree
from cpts_analysis.aci.rules import rules_at
from cpts_analysis.aci.variants import load_variant
from cpts_analysis.analysis.comparison import FundingInputs
from cpts_analysis.analysis.reform import compare_variant, world_pieces
from cpts_analysis.cli import main
from cpts_analysis.core.errors import InputError
from cpts_analysis.core.paths import EXAMPLE_REGISTRY, PROJECT_ROOT
from cpts_analysis.territory.registry import load_registry

EXAMPLES = PROJECT_ROOT / "examples" / "variantes"
TAILLE_2 = EXAMPLES / "taille2_fonctionnement_plus_10000.yaml"
VARIANT_START = pd.Timestamp("2026-01-01")
D = pd.Timestamp("2026-06-01")

RULE_SET = """\
rule_sets:
  avenant_3:
    label: Avenant 3 (essai)
    from: 2027-01-01
    status: proposal
    source: LFSS 2026, art. 63
"""


@pytest.fixture(scope="module")
def registry():
    return load_registry(EXAMPLE_REGISTRY)


def write(tmp_path, body: str, name: str = "variante.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def change(body: str) -> str:
    return "description: essai\n" + RULE_SET + "changes:\n" + textwrap.indent(body, "  ")


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        (
            change(
                "- target: fonctionnement.fonctionnement\n  from: 2027-01-01\n  add: 1\n"
                "  status: proposal\n"
            ),
            "changes.0.source",
            "clé obligatoire absente",
        ),
        (
            change(
                "- target: fonctionnement.fonctionnement\n  from: 2027-01-01\n  add: 1\n"
                "  status: propsal\n  source: s\n"
            ),
            "changes.0.status",
            "proposal",
        ),
        (
            change(
                "- target: fonctionnement.fonctionnement\n  from: 2027-01-01\n  ajout: 1\n"
                "  status: proposal\n  source: s\n"
            ),
            "changes.0.ajout",
            "clé inconnue",
        ),
        (
            change(
                "- target: fonctionnement.fonctionement\n  from: 2027-01-01\n  add: 1\n"
                "  status: proposal\n  source: s\n"
            ),
            "changes.0.target",
            "aucune composante",
        ),
        (
            change(
                "- target: fonctionnement.fonctionnement\n  from: 2027-02-01\n  add: 1\n"
                "  status: proposal\n  source: s\n"
            ),
            "changes.0.from",
            "ne commence aucun",
        ),
        (
            change(
                "- target: fonctionnement.fonctionnement\n  from: 2027-01-01\n  add: 1\n"
                "  multiply: 2\n  status: proposal\n  source: s\n"
            ),
            "changes.0",
            "exactement une",
        ),
        (
            change(
                "- target: fonctionnement.fonctionnement\n  from: 2027-01-01\n  add: -60000\n"
                "  status: proposal\n  source: s\n"
            ),
            "changes.0",
            "taille_1",
        ),
        (
            change(
                "- target: crise_sanitaire.*\n  from: 2019-08-25\n  add: 1\n"
                "  status: proposal\n  source: s\n"
            ),
            "changes.0",
            "aucun montant en vigueur",
        ),
        (
            RULE_SET.replace("avenant_3", "avenant_2") + "description: d\n",
            "rule_sets.avenant_2",
            "déjà en vigueur",
        ),
        (
            RULE_SET.replace("2027-01-01", "2022-04-01") + "description: d\n",
            "rule_sets.avenant_2",
            "chevauche",
        ),
        ("description: d\ndescription: e\n", None, "en double"),
    ],
    ids=[
        "source",
        "status",
        "unknown-key",
        "target",
        "date",
        "two-ops",
        "negative",
        "no-value",
        "rule-set-exists",
        "overlap",
        "duplicate",
    ],
)
def test_overlay_errors_name_file_and_key(tmp_path, body, key, message):
    path = write(tmp_path, body)
    with pytest.raises(InputError) as caught:
        load_variant(path)
    text = str(caught.value)
    assert f"{tmp_path.name}/variante.yaml" in text
    if key:
        assert f"clé {key}" in text
    assert message in text


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_variant_in_a_windows_encoding_is_read(tmp_path, encoding):
    body = "description: Variante été\n" + RULE_SET + "changes: []\n"
    path = tmp_path / "variante.yaml"
    path.write_bytes(body.encode(encoding))
    assert load_variant(path).description == "Variante été"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("? [a, b]\n: 1\ndescription: d\n", "ligne 1 : YAML invalide : clé complexe"),
        ("description: d\nchanges: " + "[" * 3000 + "]" * 3000 + "\n", "changes.0 : "),
        ("description: d\n\tchanges: []\n", "YAML invalide : tabulation interdite"),
        ("description: d\nchanges: [\n", "YAML invalide : "),
    ],
    ids=["complex-key", "deep-nesting", "tab", "unclosed"],
)
def test_hostile_variant_files_give_one_french_line(tmp_path, capsys, body, message):
    path = write(tmp_path, body)
    assert main(["reform", "--variant", str(path), "--territory", "42"]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not any(word in err for word in ("Input should", "found", "expected", "while"))


def test_broken_parameter_folder_gives_the_loader_error(tmp_path):
    folder = tmp_path / "parametres"
    shutil.copytree(default_tree().root, folder)
    edit(folder / "montants" / "parcours.yaml", "taille_1: 25000", "taille_1: -25000")
    with pytest.raises(InputError, match=r"parcours\.yaml, clé components\.fixe"):
        load_variant(folder)


def test_cli_bad_variant_exits_1_with_file_and_key(tmp_path, capsys):
    path = write(
        tmp_path,
        change("- target: x.y\n  from: 2027-01-01\n  add: 1\n  status: proposal\n  source: s\n"),
    )
    code = main(["reform", "--variant", str(path), "--territory", "63"])
    err = capsys.readouterr().err
    assert code == 1
    assert "variante.yaml, clé changes.0.target" in err


def test_identical_variants_give_zero_delta_everywhere(tmp_path, registry):
    folder = tmp_path / "copie"
    shutil.copytree(default_tree().root, folder)
    empty_overlay = write(tmp_path, "description: rien ne change\n" + RULE_SET)
    same_values = write(
        tmp_path,
        change(
            "- target: '*.fixe'\n  from: 2022-04-01\n  multiply: 1\n"
            "  status: proposal\n  source: s\n"
        ),
        "identique.yaml",
    )
    for path in (folder, empty_overlay, same_values):
        result = compare_variant(registry, "region:84", load_variant(path), "2027-06-01")
        assert len(result.cpts) == registry.cpts["cpts_id"].nunique()
        assert result.cpts["current"].sum() > 0
        assert (result.cpts["delta"] == 0).all(), path
        assert (result.years["delta"] == 0).all(), path
        assert result.current == result.variant_total
        assert result.changes.empty


def test_acceptance_taille_2_fonctionnement_plus_10000(registry):
    result = compare_variant(registry, "region:84", load_variant(TAILLE_2), D)
    table = result.cpts.set_index("cpts_id")
    # Every CPTS of the registry is there: none dropped.
    assert set(table.index) == set(registry.cpts["cpts_id"])
    signed = registry.cpts.set_index("cpts_id")["date_signature"]
    checked_full = checked_prorated = 0
    for cpts_id, row in table.iterrows():
        expected = 0.0
        if pd.notna(signed[cpts_id]) and row["tier"] == 2:
            # The contract year in force on D, computed here from the signature.
            years = [signed[cpts_id] + pd.DateOffset(years=n) for n in range(12)]
            start = max(y for y in years if y <= D)
            end = start + pd.DateOffset(years=1)
            share = (end - max(start, VARIANT_START)).days / (end - start).days
            expected = round(10_000 * share, 2)
            checked_full += share == 1
            checked_prorated += share < 1
        assert row["delta"] == pytest.approx(expected, abs=0.005), cpts_id
    assert checked_full >= 3 and checked_prorated >= 3  # both cases really occur
    assert result.prorated.loc[result.prorated["tier"] == 2, "delta"].between(1, 9_999.99).all()
    # The variant lists its one changed value, with its source and status.
    assert result.changes[["group", "tier", "current", "variant", "status"]].values.tolist() == [
        ["fonctionnement", 2, 60_000.0, 70_000.0, "proposal"]
    ]
    assert "loi n° 2025-1403" in result.changes["source"].iloc[0]


def test_worlds_do_not_leak(registry):
    variant = load_variant(TAILLE_2)
    compare_variant(registry, "63", variant, D)
    assert rules_at(D).amount("fonctionnement", "fonctionnement", 2) == 60_000
    assert rules_at(D, variant.tree).amount("fonctionnement", "fonctionnement", 2) == 70_000
    assert rules_at(D, variant.tree).id == "avenant_3_exemple"
    assert rules_at(D).id == "avenant_2"


def test_documented_examples():
    plus_20 = load_variant(EXAMPLES / "part_variable_plus_20.yaml").changes()
    assert set(plus_20["component"]) == {"variable"} and len(plus_20) == 20
    assert (plus_20["variant"] == (plus_20["current"] * 1.2).round(2)).all()
    uplift = load_variant(EXAMPLES / "fonctionnement_majoration_permanente.yaml").changes()
    assert uplift["variant"].tolist() == [87_500, 105_000, 131_250, 157_500]
    assert (uplift["from"] == pd.Timestamp("2027-01-01")).all()


def test_rules_from_prices_a_year_under_later_rules():
    contracts = pd.DataFrame(
        {"cpts_id": ["a"], "population": [50_000], "signature": ["2021-06-01"]}
    )
    missions = pd.DataFrame({"cpts_id": ["a"], "mission": ["parcours"], "start": ["2021-06-01"]})
    plain = compute_funding(contracts, missions)
    later = compute_funding(contracts, missions, rules_from=pd.Timestamp("2022-04-01"))
    first = lambda f: f.loc[f["contract_year"] == 1, "rule_set"].unique().tolist()  # noqa: E731
    assert first(plain) == ["aci_2019"] and first(later) == ["avenant_2"]
    assert plain[plain["contract_year"] > 1].equals(later[later["contract_year"] > 1])


def test_cli_json_contract_and_years(capsys):
    argv = ["reform", "--variant", str(TAILLE_2), "--territory", "63", "--date", "2026-06-01"]
    assert main([*argv, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"territory", "date", "current", "variant", "cpts"}
    assert (payload["territory"], payload["date"]) == ("63", "2026-06-01")
    assert {tuple(sorted(c)) for c in payload["cpts"]} == {
        ("cpts_id", "current", "delta", "nom", "tier", "variant")
    }
    assert payload["variant"] - payload["current"] == pytest.approx(
        sum(c["delta"] for c in payload["cpts"])
    )
    assert main([*argv, "--format", "json", "--years"]) == 0
    years = json.loads(capsys.readouterr().out)["years"]
    assert {tuple(sorted(y)) for y in years} == {("current", "delta", "variant", "year")}
    assert [y["delta"] for y in years if y["year"] < 2025] == [0] * sum(
        y["year"] < 2025 for y in years
    )
    assert main([*argv, "--format", "csv", "--csv", "tidy"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "cpts_id,nom,tier,current,variant,delta"
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "prorata" in out and "10 000 €" in out


def test_batch_jobs_carry_the_variant():
    from cpts_analysis.runner.jobs import batch_jobs

    jobs = batch_jobs("departement", "reforme", {"date": "2026-06-01", "variant": TAILLE_2})
    assert len(jobs) == 12 and all(job.notebook.stem == "reforme" for job in jobs)
    assert {job.parameters["variante"] for job in jobs} == {str(TAILLE_2.resolve())}
    # The variant is an input: editing it makes a rerun recompute the reports.
    assert all(TAILLE_2 in job.inputs for job in jobs)


def test_report_refuses_a_broken_variant_before_any_kernel(tmp_path, capsys):
    path = write(tmp_path, "description: d\nchanges: oui\n")
    argv = ["report", "--notebook", "reforme", "--territory", "63", "--variant", str(path)]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 1
    assert "variante.yaml, clé changes" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_straddling_year_weights_each_line_by_its_own_active_days(tmp_path):
    """A mission that starts after the variant's date gets the whole change on its prorata;
    one running since signature gets the share of the year after that date."""
    overlay = RULE_SET.replace("2027-01-01", "2026-01-01") + textwrap.dedent(
        """\
        description: parcours fixe +10 000 en taille 2
        changes:
          - target: parcours.fixe
            from: 2026-01-01
            add: 10000
            tiers: [taille_2]
            status: proposal
            source: s
        """
    )
    variant = load_variant(write(tmp_path, overlay))
    contracts = pd.DataFrame(
        {"cpts_id": ["early", "late"], "population": [50_000] * 2, "signature": ["2025-09-01"] * 2}
    )
    missions = pd.DataFrame(
        {
            "cpts_id": ["early", "late"],
            "mission": ["parcours"] * 2,
            "start": ["2025-09-01", "2026-03-01"],
        }
    )
    inputs = FundingInputs(contracts, missions, pd.DataFrame(), pd.DataFrame())
    starts = variant.new_starts
    year_1 = {
        name: world_pieces(inputs, tree, starts, reprice)
        .query("contract_year == 1")
        .groupby("cpts_id")["amount"]
        .sum()
        for name, tree, reprice in (("now", variant.base, False), ("then", variant.tree, True))
    }
    delta = (year_1["then"] - year_1["now"]).round(2)
    days = 365  # 01/09/2025 -> 01/09/2026
    # Each world's lines are rounded to the cent, so the delta may differ by one cent.
    assert delta["early"] == pytest.approx(10_000 * 243 / days, abs=0.011)  # 01/01 -> 01/09
    assert delta["late"] == pytest.approx(10_000 * 184 / days, abs=0.011)  # 01/03 -> 01/09


def test_cli_unknown_territory_is_a_bad_argument(capsys):
    assert main(["reform", "--variant", str(TAILLE_2), "--territory", "99"]) == 2
    assert "« 99 »" in capsys.readouterr().err
