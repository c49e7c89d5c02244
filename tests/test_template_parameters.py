"""One declaration per template parameter: the model in ``report.inputs`` is the source of the
template's parameters cell, of the command-line options and of the parent-side checks."""

from __future__ import annotations

import ast
import json

import papermill
import pytest

from cpts_analysis.cli import main
from cpts_analysis.cli.program import build_parser
from cpts_analysis.core.paths import NOTEBOOKS_DIR
from cpts_analysis.report.inputs import TEMPLATES, option_key
from cpts_analysis.runner.params import OUTPUT_DIR


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_parameters_cell_is_the_model(name):
    declared = papermill.inspect_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"))
    model = TEMPLATES[name]
    assert set(declared) == set(model.model_fields), "the same names"
    for parameter, field in model.model_fields.items():
        assert ast.literal_eval(declared[parameter]["default"]) == field.default, parameter


def test_every_report_template_has_a_model():
    templates = {
        path.stem
        for path in NOTEBOOKS_DIR.glob("*.ipynb")
        if OUTPUT_DIR in papermill.inspect_notebook(str(path))
    }
    assert templates == set(TEMPLATES)


def test_every_option_is_on_both_commands():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for command in ("report", "batch"):
        flags = {flag for action in commands[command]._actions for flag in action.option_strings}
        for model in TEMPLATES.values():
            assert set(model.options()) <= flags, command
            for flag, parameter in model.options().items():
                assert option_key(flag) not in {"territory", "by"}, parameter


BAD = [
    (["--territory", "99"], "« 99 » n'est ni un département ni une région"),
    (["--territory", "42", "--date", "2018-01-01"], "aucune règle ACI en vigueur le 01/01/2018"),
    (["--territory", "42", "--date", "2025-13-01"], "date impossible « 2025-13-01 »"),
    (["--territory", "42", "--registry", "absent"], "registre introuvable"),
    (["--territory", "63", "--notebook", "reforme", "--variant", "absente.yaml"], "variante"),
    (["--territory", "42", "--variant", "x.yaml"], "--variant : option sans objet"),
    (["--territory", "XX-1", "--notebook", "profil_cpts"], "CPTS « XX-1 » absente du registre"),
    (["--territory", "42", "--notebook", "scenarios", "--fusion-a", "ZZ"], "fusion_a : CPTS"),
    (["--territory", "42", "--notebook", "inconnu"], "modèle de rapport inconnu « inconnu »"),
]


@pytest.mark.parametrize(("argv", "message"), BAD)
def test_bad_parameters_are_refused_before_any_kernel(tmp_path, capsys, argv, message):
    out = tmp_path / "rapports"
    assert main(["report", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()  # nothing written, not even a failed.ipynb


def test_batch_checks_its_options_before_listing_territories(tmp_path, capsys):
    out = tmp_path / "rapports"
    argv = ["batch", "--by", "departement", "--fusion-a", "ARA-42-01", "--out", str(out)]
    assert main(argv) == 2
    assert "--fusion-a : option sans objet pour le modèle comparaison_territoriale" in (
        capsys.readouterr().err
    )
    assert not out.exists()


def test_options_reach_the_kernel(tmp_path):
    from cpts_analysis.runner import jobs

    inputs = jobs.report_inputs(
        "scenarios", "42", {"fusion_a": "ARA-42-01", "fusion_b": "ARA-42-02", "date": None}
    )
    job = jobs.report_job("scenarios", inputs)
    assert (job.parameters["fusion_a"], job.parameters["fusion_b"]) == ("ARA-42-01", "ARA-42-02")
    assert json.dumps(job.parameters)  # plain JSON for papermill
