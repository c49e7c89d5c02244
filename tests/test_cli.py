"""The CLI contract: names, JSON keys, French tables, exit codes, one-line errors."""

import json
import subprocess
import sys

import pytest

from cpts_analysis.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# The example of the issue: a taille-2 CPTS in 2020, all missions, full achievement.
FUNDING_52000 = [
    "funding",
    "--population",
    "52000",
    "--date",
    "2020-06-01",
    "--missions",
    "all",
    "--achievement",
    "1",
]


def test_tier(capsys):
    assert run(capsys, "tier", "80000")[:2] == (0, "3\n")


def test_funding_json_contract(capsys):
    code, out, _ = run(
        capsys,
        *FUNDING_52000,
        "--format",
        "json",
    )
    payload = json.loads(out)
    assert code == 0
    assert set(payload) == {"rule_set", "tier", "population", "lines", "total"}
    assert (payload["rule_set"], payload["tier"], payload["population"]) == ("aci_2019", 2, 52000)
    assert payload["total"] == 242_000
    assert payload["lines"][0] == {
        "mission": "fonctionnement",
        "component": "fonctionnement",
        "amount": 60_000,
        "status": "confirmed",
    }
    assert all(
        set(line) == {"mission", "component", "amount", "status"} for line in payload["lines"]
    )


def test_funding_with_supplement(capsys):
    _, out, _ = run(
        capsys,
        *FUNDING_52000,
        "--snp-supplement",
        "--format",
        "json",
    )
    assert json.loads(out)["total"] == 287_000


def test_funding_table_is_french(capsys):
    _, out, _ = run(capsys, "funding", "--population", "52000", "--date", "2020-06-01")
    assert "242\u202f000\u202f€" in out and "Fonctionnement" in out


def test_funding_csv_and_mission_subset(capsys):
    _, out, _ = run(
        capsys,
        "funding",
        "--population",
        "30000",
        "--date",
        "2020-06-01",
        "--missions",
        "parcours,prevention",
        "--achievement",
        "0.5",
        "--format",
        "csv",
        "--csv",
        "tidy",
    )
    lines = out.strip().splitlines()
    assert lines[0] == "mission,component,amount,status"
    assert len(lines) == 1 + 5  # fonctionnement + 2 x (fixe, variable)
    assert "parcours,variable,12500.0,consistent" in lines


def test_rules_table_mirrors_annex(capsys):
    code, out, _ = run(capsys, "rules", "--date", "2020-01-01")
    assert code == 0
    assert "185\u202f000\u202f€" in out and "450\u202f000\u202f€" in out and "Sources :" in out


def test_rules_json(capsys):
    _, out, _ = run(capsys, "rules", "--date", "2023-01-01", "--format", "json")
    payload = json.loads(out)
    assert payload["rule_set"] == "avenant_2" and payload["in_force_from"] == "2022-04-01"
    assert all(line["source"] and line["status"] for line in payload["lines"])


def test_schedule_json_contract(capsys):
    code, out, _ = run(
        capsys,
        "schedule",
        "--population",
        "30000",
        "--signed",
        "2020-09-15",
        "--mission",
        "acces_soins=2021-01-01",
        "--format",
        "json",
    )
    payload = json.loads(out)
    assert code == 0 and set(payload) == {"payments", "total"}
    assert payload["payments"][0] == {
        "date": "2020-09-15",
        "contract_year": 1,
        "renewal": False,
        "mission": "fonctionnement",
        "component": "fonctionnement",
        "kind": "full",
        "amount": 50_000,
    }
    assert payload["total"] == pytest.approx(sum(p["amount"] for p in payload["payments"]))
    years = {(p["contract_year"], p["renewal"]) for p in payload["payments"]}
    assert years == {(year, year > 5) for year in range(1, 11)}  # tacit renewal: years 6–10


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "cpts_analysis", "tier", "175001"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "4\n")
