"""The ``cpts-analysis`` command line: one module per family of commands."""

from cpts_analysis.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
