"""``python -m cpts_analysis`` is the ``cpts-analysis`` command."""

from cpts_analysis.cli import command

command()
