"""The public API's results show as French tables in JupyterLab; ``to_frame()`` is the data."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import cpts_analysis as cpts

DATE = "2025-06-01"
CODES = re.compile(r"\b(?:acces_soins|avenant_2|aci_2019|signe|True|False|nan|None)\b|_")


@pytest.fixture(scope="module")
def registry():
    return cpts.load_registry(cpts.EXAMPLE_REGISTRY)


def results(registry):
    variant = cpts.load_variant(cpts.EXAMPLE_VARIANTS / "part_variable_plus_20.yaml")
    return [
        cpts.compare_territory(registry, "42", DATE),
        cpts.cpts_profile(registry, "ARA-42-01", DATE),
        cpts.territory_budget(registry, "42", DATE),
        cpts.compare_variant(registry, "63", variant, "2026-06-01"),
        cpts.annual_review(registry, "ARA-42-02", 1, DATE),
    ]


def test_results_display_in_french_and_give_their_data(registry):
    for result in results(registry):
        page = result._repr_html_()
        text = re.sub(r"<[^>]+>", " ", page)
        assert "<table" in page and "\u202f€" in text, type(result).__name__
        assert not CODES.search(text), (type(result).__name__, CODES.findall(text))
        frame = result.to_frame()
        assert isinstance(frame, pd.DataFrame) and len(frame)
        assert all(re.fullmatch(r"[a-z0-9_]+", str(c)) for c in frame.columns)  # plain data
