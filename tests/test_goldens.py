"""The golden notebooks replayed by nbval must be executions of the current templates."""

import json
from pathlib import Path

import nbformat
import pytest

from cpts_analysis.core.paths import NOTEBOOKS_DIR

GOLDENS = Path(__file__).parent / "notebooks"
SPECS = json.loads((GOLDENS / "goldens.json").read_text(encoding="utf-8"))


def _code(notebook, skip_tag):
    return [
        c.source
        for c in notebook.cells
        if c.cell_type == "code" and skip_tag not in c.metadata.get("tags", [])
    ]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_golden_is_not_stale(name):
    template = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    golden = nbformat.read(GOLDENS / f"{name}.ipynb", as_version=4)
    assert _code(golden, "injected-parameters") == _code(template, "injected-parameters"), (
        f"{name}: template changed since the golden was made; run `make goldens` and review"
    )


@pytest.mark.parametrize("name", sorted(SPECS))
def test_golden_used_the_declared_parameters(name):
    golden = nbformat.read(GOLDENS / f"{name}.ipynb", as_version=4)
    injected = [c for c in golden.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    for key, value in SPECS[name].items():
        assert f"{key} = {json.dumps(value)}" in injected[0].source


def test_templates_are_stripped_and_have_one_parameters_cell():
    for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, path
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), path
