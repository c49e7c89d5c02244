"""Where the project's data and outputs live.

The package is installed in editable mode from the repository, so data is found relative to
it; ``CPTS_DATA_DIR`` and ``CPTS_REPORTS_DIR`` let a user point elsewhere without code changes,
and ``CPTS_PARAMETERS_DIR`` runs everything (CLI and report kernels alike) on an edited copy of
the legal parameters — a "what if the rules change" scenario.
"""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_ROOT = PACKAGE_DIR.parent
PARAMETERS_DIR = Path(os.environ.get("CPTS_PARAMETERS_DIR", PACKAGE_DIR / "aci" / "parameters"))
DATA_DIR = Path(os.environ.get("CPTS_DATA_DIR", PROJECT_ROOT / "data"))
REPORTS_DIR = Path(os.environ.get("CPTS_REPORTS_DIR", PROJECT_ROOT / "reports"))
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
EXAMPLE_REGISTRY = DATA_DIR / "exemple_ara"
EXAMPLE_VARIANTS = PROJECT_ROOT / "examples" / "variantes"
