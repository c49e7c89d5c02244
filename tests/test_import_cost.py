"""No command pays for ``rfc3987_syntax``: it builds a grammar at import (≈ 0.7 s a process).

jsonschema ≥ 4.25 imports it from ``jsonschema._format`` whenever it is installed (upstream
python-jsonschema/jsonschema issue 1428); the bound in ``pyproject.toml`` keeps jsonschema below,
for a plain ``pip install`` as for ``constraints.txt``. Each check runs in a fresh interpreter,
does what the command does up to where the cost would be paid, and reads ``sys.modules``.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
VERSION = "\n".join(
    [
        "from cpts_analysis.cli import main",
        "try:",
        "    main(['--version'])",
        "except SystemExit:",
        "    pass",
    ]
)
# The parent of `report`, up to the kernel: parameters checked, template read and validated.
REPORT = "\n".join(
    [
        "from cpts_analysis.runner import jobs, entry_points, batch, export, execute, pdf",
        "import nbformat",
        "inputs = jobs.report_inputs('comparaison_territoriale', '84', {'date': '2025-06-01'})",
        "notebook = nbformat.read(jobs.notebook_path('comparaison_territoriale'), as_version=4)",
        "nbformat.validate(notebook)",
    ]
)
# The kernel: ipykernel, the preload of the report layer, a notebook message validated.
KERNEL = "\n".join(
    [
        "import ipykernel.kernelapp, nbformat",
        "from cpts_analysis.report.kernel_hooks import preload",
        "preload()",
        "import cpts_analysis.report.content",
        "nbformat.validate(nbformat.v4.new_notebook())",
    ]
)
PROBE = "\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith('rfc3987')))"
PROBE += "\nprint('jsonschema._format' in sys.modules)"


@pytest.mark.parametrize(
    ("code", "validates"),
    [(VERSION, False), (REPORT, True), (KERNEL, True)],
    ids=["version", "report-parent", "report-kernel"],
)
def test_no_command_imports_rfc3987_syntax(code: str, validates: bool) -> None:
    """``validates``: the command loads ``jsonschema._format``, the module that would import
    ``rfc3987_syntax`` — so the check covers that path rather than a command that avoids it."""
    slow, loaded = subprocess.run(
        [sys.executable, "-c", code + PROBE], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-2:]
    assert slow == "[]", f"rfc3987_syntax imported: {slow}"
    assert loaded == str(validates)


def test_jsonschema_bound_excludes_the_slow_releases_and_admits_the_pin() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    bound = next(Requirement(d) for d in dependencies["dependencies"] if d.startswith("jsonschema"))
    pinned = next(
        line.split("==")[1]
        for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines()
        if line.startswith("jsonschema==")
    )
    assert not bound.specifier.contains("4.25.0")
    assert bound.specifier.contains(pinned)
