"""French display formats: narrow no-break spaces (U+202F) in amounts and before ``€`` and
``%``, the minus sign (U+2212) for negatives; machine outputs keep plain numbers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpts_analysis.cli import main
from cpts_analysis.core.formatting import (
    MINUS,
    NARROW_NBSP,
    format_euros,
    format_number,
    format_percent,
)
from cpts_analysis.core.paths import EXAMPLE_REGISTRY


def test_french_typography():
    assert format_euros(185_000) == "185\u202f000\u202f€"
    assert format_euros(-15_000.5) == "\u221215\u202f000,50\u202f€"
    assert format_number(1_234_567.8, 1) == "1\u202f234\u202f567,8"
    assert format_percent(0.425) == "42,5\u202f%"
    assert format_number(-0.001) == "0"  # rounded to zero: no "−0"
    assert format_euros(float("nan")) == "–"


def _parse(text: str) -> float:
    plain = text.replace(NARROW_NBSP, "").replace(MINUS, "-").rstrip("€%")
    return float(plain.replace(",", "."))


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_formats_never_break_and_read_back(value):
    for text, scale, decimals in (
        (format_number(value, 2), 1, 2),
        (format_euros(value), 1, 2),
        (format_percent(value), 100, 1),
    ):
        assert " " not in text and "-" not in text and "\u00a0" not in text
        assert _parse(text) == pytest.approx(value * scale, rel=1e-12, abs=0.6 * 10**-decimals)


@pytest.mark.parametrize(
    "argv",
    [
        ["funding", "--population", "52000", "--date", "2020-06-01", "--format", "csv"],
        ["funding", "--population", "52000", "--date", "2020-06-01", "--format", "json"],
        ["schedule", "--population", "30000", "--signed", "2021-03-15", "--format", "csv"],
        ["territories", str(EXAMPLE_REGISTRY), "--format", "json"],
    ],
)
def test_machine_outputs_keep_plain_numbers(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    numbers = [line for line in out.splitlines() if any(c.isdigit() for c in line)]
    assert numbers and not any(NARROW_NBSP in line or MINUS in line for line in numbers)
    if "json" in argv:
        json.loads(out)
