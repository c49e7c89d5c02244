"""cpts-analysis: ACI CPTS funding rules, territories and comparison reports.

The entry points an analyst needs, from JupyterLab or a script::

    import cpts_analysis as cpts

    registry = cpts.load_registry("data/exemple_ara")
    cpts.tier(52_000)                              # 2
    cpts.annual_envelope(52_000, date="2020-06-01")  # one contract year, line by line
    comparison = cpts.compare_territory(registry, "42", date="2025-01-01")
    cpts.make_report("42")                         # the HTML report, as `cpts-analysis report`

Names are loaded on first use, so ``import cpts_analysis`` stays instant and a report kernel
pays only for what its notebook calls. ``python -m cpts_analysis`` is the command line.
"""

from __future__ import annotations

import importlib
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

__version__ = version("cpts-analysis")

# Public name → module that defines it (the API reference is generated from this table).
_EXPORTS = {
    # ACI rules and funding
    "rules_at": "cpts_analysis.aci.rules",
    "rule_sets": "cpts_analysis.aci.rules",
    "tier": "cpts_analysis.aci.rules",
    "annual_envelope": "cpts_analysis.aci.funding",
    "compute_funding": "cpts_analysis.aci.funding",
    "payment_schedule": "cpts_analysis.aci.schedule",
    "load_variant": "cpts_analysis.aci.variants",
    # Registry and territories
    "Registry": "cpts_analysis.territory.registry",
    "load_registry": "cpts_analysis.territory.registry",
    "validate_registry": "cpts_analysis.territory.registry",
    "write_template": "cpts_analysis.territory.registry",
    "load_communes": "cpts_analysis.territory.communes",
    "cpts_summary": "cpts_analysis.territory.territories",
    "coverage": "cpts_analysis.territory.territories",
    # Analysis
    "compare_territory": "cpts_analysis.analysis.comparison",
    "cpts_profile": "cpts_analysis.analysis.profile",
    "compare_variant": "cpts_analysis.analysis.reform",
    "territory_budget": "cpts_analysis.analysis.budget",
    "annual_review": "cpts_analysis.analysis.annual_review",
    # Reports
    "make_report": "cpts_analysis.runner.entry_points",
    "make_batch": "cpts_analysis.runner.entry_points",
    # The illustrative registry (data/exemple_ara) and rule variants (examples/variantes)
    "EXAMPLE_REGISTRY": "cpts_analysis.core.paths",
    "EXAMPLE_VARIANTS": "cpts_analysis.core.paths",
    # Errors
    "CptsError": "cpts_analysis.core.errors",
    "InputError": "cpts_analysis.core.errors",
}

__all__ = [
    "EXAMPLE_REGISTRY",
    "EXAMPLE_VARIANTS",
    "CptsError",
    "InputError",
    "Registry",
    "annual_envelope",
    "annual_review",
    "compare_territory",
    "compare_variant",
    "compute_funding",
    "coverage",
    "cpts_profile",
    "cpts_summary",
    "load_communes",
    "load_registry",
    "load_variant",
    "make_batch",
    "make_report",
    "payment_schedule",
    "rule_sets",
    "rules_at",
    "territory_budget",
    "tier",
    "validate_registry",
    "write_template",
]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports lazily
    from cpts_analysis.aci.funding import annual_envelope, compute_funding
    from cpts_analysis.aci.rules import rule_sets, rules_at, tier
    from cpts_analysis.aci.schedule import payment_schedule
    from cpts_analysis.aci.variants import load_variant
    from cpts_analysis.analysis.annual_review import annual_review
    from cpts_analysis.analysis.budget import territory_budget
    from cpts_analysis.analysis.comparison import compare_territory
    from cpts_analysis.analysis.profile import cpts_profile
    from cpts_analysis.analysis.reform import compare_variant
    from cpts_analysis.core.errors import CptsError, InputError
    from cpts_analysis.core.paths import EXAMPLE_REGISTRY, EXAMPLE_VARIANTS
    from cpts_analysis.runner.entry_points import make_batch, make_report
    from cpts_analysis.territory.communes import load_communes
    from cpts_analysis.territory.registry import (
        Registry,
        load_registry,
        validate_registry,
        write_template,
    )
    from cpts_analysis.territory.territories import coverage, cpts_summary


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cpts_analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
