"""``cpts-analysis`` with the test template ``pause`` registered, run as a real process by the
fault tests (signals, two commands at once), as a user's terminal would run the command.

``python tests/fixture_cli.py CODES ARGV...``: ``CODES`` (comma-separated) are the territories
``batch`` plans; ``ARGV`` is the command line. The template ``pause``
(tests/fixtures/notebooks/pause.ipynb) succeeds for a reference date before 2026, pauses
(``CPTS_TEST_PAUSE`` seconds, 4 by default) and succeeds in 2026, fails from 2027 on.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cpts_analysis.cli import main
from cpts_analysis.report.inputs import TEMPLATES, NotebookInputs
from cpts_analysis.runner import jobs

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


class PauseInputs(NotebookInputs):
    """The parameters of the fixture template ``pause``."""

    territoire: str = "84"

    def check_registry(self, registry: object) -> None:
        """Any territory: the fixture reads no registry."""

    def folder_name(self, registry: object) -> str:
        return self.subject


def run(codes: list[str], argv: list[str]) -> int:
    jobs.NOTEBOOKS_DIR = FIXTURES
    jobs.DEFAULT_NOTEBOOK = "pause"
    TEMPLATES["pause"] = PauseInputs
    jobs.territory_codes = lambda by, registry: [(code, code) for code in codes]
    return main(argv)


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1].split(","), sys.argv[2:]))
