"""cpts-analysis: ACI CPTS funding rules, territories and comparison reports."""

__version__ = "0.1.0"
