"""CSV for French Excel by default, a tidy variant for programs; the same numbers in both."""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest
from visible_text import codes_in, french_csv_cells

from cpts_analysis.aci.missions import group_label
from cpts_analysis.cli import main
from cpts_analysis.core.paths import EXAMPLE_REGISTRY
from cpts_analysis.core.vocabulary import HEADERS, STATUSES

VARIANT = "examples/variantes/part_variable_plus_20.yaml"
COMMANDS = [
    ["funding", "--population", "30000", "--date", "2020-06-01", "--achievement", "0.53"],
    ["schedule", "--population", "30000", "--signed", "2021-03-15", "--mission",
     "parcours=2021-09-01"],
    ["budget", "--territory", "42", "--date", "2025-06-01"],
    ["reform", "--territory", "42", "--variant", VARIANT, "--date", "2027-06-01"],
    ["reform", "--territory", "42", "--variant", VARIANT, "--date", "2027-06-01", "--years"],
]  # fmt: skip


def _csv(capsys, argv: list[str], variant: str) -> bytes:
    assert main([*argv, "--format", "csv", "--csv", variant]) == 0
    return capsys.readouterr().out.encode("utf-8")


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv[:1] + argv[-1:]))
def test_french_and_tidy_variants_hold_the_same_numbers(argv, capsys):
    french_bytes = _csv(capsys, argv, "excel")
    tidy_bytes = _csv(capsys, argv, "tidy")
    assert french_bytes.startswith(b"\xef\xbb\xbf") and not tidy_bytes.startswith(b"\xef\xbb")
    french = pd.read_csv(io.BytesIO(french_bytes), sep=";", decimal=",", encoding="utf-8-sig")
    tidy = pd.read_csv(io.BytesIO(tidy_bytes))
    assert list(french.columns) == [HEADERS[column] for column in tidy.columns]
    numbers = [
        c
        for c in tidy.columns
        if pd.api.types.is_numeric_dtype(tidy[c]) and not pd.api.types.is_bool_dtype(tidy[c])
    ]
    assert numbers
    for column in numbers:
        pd.testing.assert_series_equal(
            french[HEADERS[column]], tidy[column], check_names=False, check_dtype=False
        )


def test_french_variant_shows_labels_and_french_dates(capsys):
    french = _csv(capsys, COMMANDS[1], "excel").decode("utf-8-sig")
    header, first = french.splitlines()[:2]
    assert header.split(";")[0] == HEADERS["date"] and first.startswith("15/03/2021;")
    funding = _csv(capsys, COMMANDS[0], "excel").decode("utf-8-sig")
    assert f";{STATUSES['confirmed']}" in funding and group_label("acces_soins") in funding
    assert "acces_soins" not in funding and "confirmed" not in funding


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv[:1] + argv[-1:]))
def test_french_variant_holds_no_code_and_tidy_keeps_them(argv, capsys):
    """A reader gets labels (« Volet fixe (moyens) », « part fixe »); a program gets codes."""
    french = _csv(capsys, argv, "excel").decode("utf-8-sig")
    assert codes_in(french_csv_cells(french)) == set()
    tidy = pd.read_csv(io.BytesIO(_csv(capsys, argv, "tidy")), dtype=str)
    if "component" in tidy:
        assert codes_in(("tidy", value) for value in tidy["component"])


def test_formula_text_is_neutralised_in_both_variants(tmp_path, capsys):
    registry = tmp_path / "registre"
    shutil.copytree(EXAMPLE_REGISTRY, registry)
    cpts = pd.read_csv(registry / "cpts.csv", dtype=str, keep_default_na=False)
    names = ['=HYPERLINK("http://x";"y")', "+Nord", "-Sud", "@Est"]
    loire = cpts.index[cpts["departement"] == "42"][: len(names)]
    cpts.loc[loire, "nom"] = names[: len(loire)]
    cpts.to_csv(registry / "cpts.csv", index=False)
    argv = [*COMMANDS[3][:-2], "--registry", str(registry), "--date", "2027-06-01"]
    for variant in ("excel", "tidy"):
        text = _csv(capsys, argv, variant).decode("utf-8-sig")
        cells = [
            cell
            for line in text.splitlines()
            for cell in line.split(";" if variant == "excel" else ",")
        ]
        assert not [cell for cell in cells if cell.lstrip('"').startswith(("=", "+", "-", "@"))]
        assert "'+Nord" in text and "'@Est" in text
