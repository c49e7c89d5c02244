"""Every shipped template gives the headline figures recorded in ``tests/fixtures/headlines``.

The references of the first four templates were produced before the runner/report split and
the move to one declaration per parameter (``revue_annuelle`` came later): refactorings of the
layout must not move a figure. A change of
a figure is a change of result: regenerate the reference on purpose and say why.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cpts_analysis.report.inputs import TEMPLATES, option_key
from cpts_analysis.runner.batch import run_batch
from cpts_analysis.runner.jobs import report_inputs, report_job

pytestmark = pytest.mark.slow

TESTS = Path(__file__).parent
GOLDEN_PARAMETERS = json.loads((TESTS / "notebooks" / "goldens.json").read_text("utf-8"))
REFERENCES = TESTS / "fixtures" / "headlines"


@pytest.fixture(scope="module")
def headlines(tmp_path_factory):
    jobs = []
    for name, model in TEMPLATES.items():
        parameters = dict(GOLDEN_PARAMETERS[name])
        subject = parameters.pop(model.SUBJECT)
        options = {"date": parameters.pop("date_reference")}
        by_parameter = {parameter: option_key(flag) for flag, parameter in model.options().items()}
        options |= {by_parameter[parameter]: value for parameter, value in parameters.items()}
        inputs = report_inputs(name, subject, options)
        jobs.append(report_job(name, inputs))
    batch = run_batch(jobs, tmp_path_factory.mktemp("headlines"), workers=2, timeout=600)
    assert not batch.any_failed, [str(result.error) for result in batch.failed]
    sidecars = {
        result.notebook.stem: result.outputs["headline"].read_text("utf-8")
        for result in batch.results
    }
    for text in sidecars.values():  # no trace of the staging folder the report was written in
        assert ".tmp" not in text and "output_dir" not in json.loads(text)["meta"]["parameters"]
    return {name: json.loads(text)["headline"] for name, text in sidecars.items()}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_headline_is_unchanged(headlines, name):
    expected = json.loads((REFERENCES / f"{name}.json").read_text("utf-8"))
    assert headlines[name] == expected
