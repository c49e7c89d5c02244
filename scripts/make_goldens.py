"""Regenerate the golden notebooks that ``pytest --nbval`` replays (``make goldens``).

Each template of ``notebooks/`` is executed by Papermill with the fixed parameters of
``tests/notebooks/goldens.json`` on the shipped registry, then stripped of what changes from run
to run (Papermill timings, execution metadata) and written atomically. Review the diff before
committing: a changed output is a changed result.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parents[1]
GOLDENS = ROOT / "tests" / "notebooks"


def clean(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    notebook.metadata.pop("papermill", None)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # Papermill draws a random id: keep diffs quiet
    return notebook


def build(name: str, parameters: dict) -> Path:
    template = ROOT / "notebooks" / f"{name}.ipynb"
    target = GOLDENS / f"{name}.ipynb"
    with tempfile.TemporaryDirectory() as scratch:
        executed = Path(scratch) / target.name
        papermill.execute_notebook(
            str(template),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=False,
        )
        notebook = clean(nbformat.read(executed, as_version=4))
    fd, temporary = tempfile.mkstemp(dir=GOLDENS, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        nbformat.write(notebook, stream)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
    return target


def main() -> None:
    specs = json.loads((GOLDENS / "goldens.json").read_text(encoding="utf-8"))
    for name in sys.argv[1:] or specs:
        print(build(name, specs[name]))


if __name__ == "__main__":
    main()
