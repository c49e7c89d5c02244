"""The French vocabulary: every label a reader sees is written once, in ``core/vocabulary.py``,
and data frames stay English inside the package until :func:`to_french` at the edge."""

from __future__ import annotations

import ast

import pandas as pd
import pytest

from cpts_analysis.aci.missions import catalogue, group_label
from cpts_analysis.core import vocabulary
from cpts_analysis.core.paths import PACKAGE_DIR
from cpts_analysis.core.vocabulary import HEADERS, header, to_french

VOCABULARY_FILE = PACKAGE_DIR / "core" / "vocabulary.py"


def _labels() -> set[str]:
    """Every French string the vocabulary defines (dict values and constants); a label that
    is its own code (``"missions": "missions"``) cannot be told from the code, and is left out."""
    labels: set[str] = set()
    for name, value in vars(vocabulary).items():
        if name.isupper() and isinstance(value, dict):
            labels |= {v for k, v in value.items() if isinstance(v, str) and v != k}
        elif name.isupper() and isinstance(value, str):
            labels.add(value)
    return labels


def _string_constants(tree: ast.Module) -> list[ast.Constant]:
    """String literals of a module, docstrings left out."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_label_is_written_outside_the_vocabulary():
    labels = _labels()
    assert len(labels) > 100
    copies = [
        f"{path.relative_to(PACKAGE_DIR.parent)}:{node.lineno} {node.value!r}"
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if path != VOCABULARY_FILE
        for node in _string_constants(ast.parse(path.read_text("utf-8")))
        if node.value in labels
    ]
    assert not copies, "libellés écrits hors de core/vocabulary.py :\n" + "\n".join(copies)


def test_headers_come_from_the_vocabulary_and_unknown_columns_are_refused():
    frame = pd.DataFrame({"cpts_id": ["A"], "amount": [1.0]}).set_index("cpts_id")
    french = to_french(frame)
    assert list(french.columns) == [HEADERS["amount"]]
    assert french.index.name == HEADERS["cpts_id"]
    with pytest.raises(KeyError, match=r"core/vocabulary\.py : 'montant_inconnu'"):
        header("montant_inconnu")
    custom = pd.DataFrame({"amount": [1], "colonne_libre": [2]})
    assert list(to_french(custom, strict=False).columns) == [HEADERS["amount"], "colonne_libre"]
    assert header("aci_2019", {"aci_2019": "ACI CPTS 2019"}) == "ACI CPTS 2019"


def test_mission_names_are_read_from_the_parameter_files():
    """Missions are dated and sourced with the rules: the vocabulary holds no copy of them."""
    missions = catalogue()
    assert {group_label(m) for m in missions} == {m.short_label for m in missions.values()}
    assert not {m.short_label for m in missions.values()} & _labels()
    assert group_label("fonctionnement") == vocabulary.GROUPS["fonctionnement"]
