"""The public API: ``import cpts_analysis as cpts`` gives every documented entry point.

The examples in the docstrings are run here, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import doctest
import inspect
import subprocess
import sys

import pytest

import cpts_analysis as cpts
from cpts_analysis.core.paths import PROJECT_ROOT

ENTRY_POINTS = [name for name in cpts.__all__ if inspect.isfunction(getattr(cpts, name))]


def test_every_public_name_resolves_and_is_documented():
    for name in cpts.__all__:
        value = getattr(cpts, name)
        assert inspect.getdoc(value), f"cpts.{name} has no docstring"
    assert set(cpts.__all__) <= set(dir(cpts))
    assert sorted(cpts.__all__) == sorted(cpts._EXPORTS), "__all__ and the lazy table differ"


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = cpts.no_such_thing


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_docstring_example_runs(name, monkeypatch):
    """Every entry point has an example, and the example gives what it says."""
    monkeypatch.chdir(PROJECT_ROOT)  # examples use the shipped registry by its relative path
    function = getattr(cpts, name)
    tests = doctest.DocTestFinder(recurse=False).find(function, name, globs={})
    examples = [example for test in tests for example in test.examples]
    assert examples, f"cpts.{name}: no example in the docstring"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_python_dash_m_is_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "cpts_analysis", "tier", "52000"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "2")
