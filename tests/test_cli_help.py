"""Every option of every command explains itself in French; ``--version``; ``--pdf`` fails
early and clearly where Playwright or Chromium is missing."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version

import pytest

from cpts_analysis.cli import main
from cpts_analysis.cli.program import build_parser
from cpts_analysis.runner import pdf
from cpts_analysis.runner.errors import PdfUnavailable

ENGLISH = ("show this help", "usage:", "positional arguments", "show program's version")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {"": parser, **commands.choices}


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_option_has_a_french_help(name, capsys):
    parser = _commands()[name]
    undocumented = [
        "/".join(action.option_strings) or action.dest
        for action in parser._actions
        if not (action.help or "").strip() or action.help == argparse.SUPPRESS
    ]
    assert undocumented == [], f"{name or 'cpts-analysis'} : options sans aide"
    with pytest.raises(SystemExit) as exit_:
        main([name, "--help"] if name else ["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("utilisation : ") and "afficher cette aide et quitter" in text
    assert not [word for word in ENGLISH if word in text]
    if name:
        assert parser.description, "the command's --help starts with what it does"


def test_date_options_show_the_french_form_and_take_both(capsys):
    """A date option reads ``--date JJ/MM/AAAA`` in the help, and takes the ISO form too."""
    dates = {
        f"{name} {'/'.join(action.option_strings)}": action.metavar
        for name, parser in _commands().items()
        for action in parser._actions
        if {"--date", "--signed", "--mission"} & set(action.option_strings)
    }
    assert len(dates) >= 10
    assert {flag: metavar for flag, metavar in dates.items() if "JJ/MM/AAAA" not in metavar} == {}
    with pytest.raises(SystemExit):
        main(["funding", "--help"])
    assert "AAAA-MM-JJ accepté aussi" in " ".join(capsys.readouterr().out.split())
    french = ["schedule", "--population", "30000", "--signed", "15/03/2021", "--format", "json"]
    assert main(french) == 0
    from_french = capsys.readouterr().out
    assert main([*french[:3], "--signed", "2021-03-15", *french[5:]]) == 0
    assert capsys.readouterr().out == from_french


@pytest.mark.parametrize(
    ("argv", "french"),
    [
        (["territories"], "arguments obligatoires manquants : CHEMIN"),
        (["revue"], "arguments obligatoires manquants : --cpts, --annee"),
        (["tier", "60000", "--foo"], "arguments non reconnus : --foo"),
        (["budget", "--territory"], "argument --territory : une valeur attendue"),
        (["funding", "--population", "6000", "--format", "xml"], "choix invalide : 'xml'"),
        (["nope"], "choix invalide : 'nope'"),
    ],
)
def test_usage_errors_read_in_french(argv, french, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and french in err, err
    english = ("required", "unrecognized", "expected", "invalid choice", "choose from")
    assert not any(word in err for word in english)


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"cpts-analysis {version('cpts-analysis')}\n"


def test_pdf_without_chromium_fails_before_any_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pdf, "chromium_path", lambda: str(tmp_path / "pas-de-chromium"))
    out = tmp_path / "rapports"
    code = main(["report", "--territory", "42", "--out", str(out), "--pdf"])
    err = capsys.readouterr().err
    assert code == 1
    assert "export PDF impossible : Chromium est absent ou ne démarre pas" in err
    assert "apt-get install chromium" in err and "Traceback" not in err
    assert not out.exists()  # nothing started, nothing half-written


def test_pdf_without_playwright_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails as if absent
    with pytest.raises(PdfUnavailable, match=r"Playwright n'est pas installé.*\[pdf\]"):
        pdf.check_available()
