"""Every template run through the package runner on the shipped registry (a department, a
region, a CPTS), headline sidecars checked against the package, and the HTML opened in a real
headless Chromium.

The browser check is skipped with a visible reason on a machine without Chromium, but never
when ``CI=true``: there it fails instead, since `.ci/run` installs Chromium first.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from visible_text import CODE_FORMS, codes_in, visible_text, workbook_cells

from cpts_analysis.aci.variants import load_variant
from cpts_analysis.analysis.comparison import compare_territory
from cpts_analysis.analysis.profile import cpts_profile
from cpts_analysis.analysis.reform import compare_variant
from cpts_analysis.analysis.scenarios import (
    current_missions,
    default_choices,
    merger,
    merger_gain,
    threshold_crossing,
)
from cpts_analysis.core.paths import EXAMPLE_REGISTRY, REPORTS_DIR
from cpts_analysis.report.inputs import EXAMPLE_VARIANT
from cpts_analysis.runner.batch import run_batch
from cpts_analysis.runner.jobs import report_inputs, report_job
from cpts_analysis.territory.registry import load_registry
from cpts_analysis.territory.resolution import cpts_in, resolve_territory
from cpts_analysis.territory.territories import cpts_summary

pytestmark = pytest.mark.slow
DATE = "2025-06-01"
JOBS = [
    ("comparaison_territoriale", "departement:42"),
    ("comparaison_territoriale", "region:84"),
    ("scenarios", "departement:42"),
    ("profil_cpts", "ARA-42-01"),
    ("reforme", "departement:63"),
]
VARIANTS = {"reforme": EXAMPLE_VARIANT}
AMOUNT = re.compile(r"\d{1,3}(?:\u202f\d{3})+(?:,\d\d)?\u202f€")  # 11 932 716,50 €, U+202F


@pytest.fixture(scope="module")
def registry():
    return load_registry(EXAMPLE_REGISTRY)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    jobs = [
        report_job(
            notebook,
            report_inputs(
                notebook,
                code,
                {"registry": EXAMPLE_REGISTRY, "date": DATE, "variant": VARIANTS.get(notebook)},
            ),
        )
        for notebook, code in JOBS
    ]
    batch = run_batch(jobs, out, workers=2, timeout=300)
    assert not batch.any_failed, [str(r.error) for r in batch.failed]
    # Keyed by the code asked for: folders are named after the territory (departement-42-loire).
    return {
        (r.notebook.stem, r.parameters.get("territoire", r.parameters.get("cpts"))): r
        for r in batch.results
    }


def _headline(result) -> dict:
    return json.loads(Path(result.outputs["headline"]).read_text(encoding="utf-8"))["headline"]


@pytest.mark.parametrize("code", ["departement:42", "region:84"])
def test_comparison_headline_matches_package(reports, registry, code):
    result = reports[("comparaison_territoriale", code)]
    assert _headline(result) == json.loads(
        json.dumps(compare_territory(registry, code, DATE).headline())
    )
    for output in ("html", "notebook", "tables"):
        assert Path(result.outputs[output]).stat().st_size > 0
    sheets = pd.ExcelFile(result.outputs["tables"]).sheet_names
    assert "CPTS" in sheets and "Zones blanches" in sheets


def test_profile_headline_matches_package(reports, registry):
    result = reports[("profil_cpts", "ARA-42-01")]
    assert _headline(result) == cpts_profile(registry, "ARA-42-01", DATE).headline()


def test_scenarios_headline_matches_package(reports, registry):
    headline = _headline(reports[("scenarios", "departement:42")])
    territory = resolve_territory("departement:42", registry)
    cpts = cpts_in(territory, registry)
    summary = cpts_summary(cpts, registry.communes, DATE)
    missions = current_missions(registry, DATE)
    first, second, _ = default_choices(summary)
    assert headline["cpts"] == len(cpts)
    assert headline["ecart_fusion"] == merger_gain(merger(summary, missions, first, second, DATE))
    gains = threshold_crossing(summary, missions, DATE)["gain_si_monte"].sum()
    assert headline["gain_total_si_seuil_franchi"] == round(float(gains), 2)


def test_reform_headline_matches_package(reports, registry):
    result = reports[("reforme", "departement:63")]
    expected = compare_variant(registry, "departement:63", load_variant(EXAMPLE_VARIANT), DATE)
    assert _headline(result) == json.loads(json.dumps(expected.headline()))
    assert _headline(result)["ecart"] > 0  # the example raises taille-2 CPTS of the 63
    sheets = pd.ExcelFile(result.outputs["tables"]).sheet_names
    assert sheets == ["À propos", "CPTS", "Par taille", "Par année civile", "Valeurs modifiées"]


def test_workbooks_and_index_speak_french(reports):
    """No English column name reaches a workbook; the index titles headline figures in French."""
    from openpyxl import load_workbook

    from cpts_analysis.core.vocabulary import HEADERS, HEADLINE

    for result in reports.values():
        book = load_workbook(result.outputs["tables"], read_only=True)
        for sheet in book.worksheets:
            headers = next(sheet.iter_rows(max_row=1, values_only=True))
            assert not set(headers) & set(HEADERS), (result.slug, sheet.title, headers)
        assert set(_headline(result)) <= set(HEADLINE), result.slug
    index = (
        Path(next(iter(reports.values())).outputs["html"]).parents[2] / "index.html"
    ).read_text(encoding="utf-8")
    assert f"<th>{HEADLINE['taux_couverture']}</th>" in index
    assert "<th>taux_couverture</th>" not in index


def test_html_is_french_self_contained_and_escaped(reports):
    html = Path(reports[("comparaison_territoriale", "region:84")].outputs["html"]).read_text(
        encoding="utf-8"
    )
    assert '<html lang="fr"' in html
    assert AMOUNT.search(html)  # amounts like 11 932 716,50 €
    assert "Montants non confirmés" in html and "Carte des territoires des CPTS" in html
    assert "<script src" not in html and "cdnjs" not in html
    assert "injected-parameters" not in html and "volet_snp_supplementaire" not in html


def test_no_code_in_what_people_read(reports):
    pages = {key: Path(r.outputs["html"]).read_text("utf-8") for key, r in reports.items()}
    index = next(iter(reports.values())).folder.parents[1] / "index.html"
    pages[("index", "")] = index.read_text("utf-8")
    found = {
        key: sorted({m.group(0) for m in CODE_FORMS.finditer(visible_text(page))})
        for key, page in pages.items()
    }
    assert {key: codes for key, codes in found.items() if codes} == {}


def test_no_code_in_the_workbooks(reports):
    """Every ``tables.xlsx`` shows labels: components, natures, missions, states…"""
    found = {key: codes_in(workbook_cells(r.outputs["tables"])) for key, r in reports.items()}
    assert {key: codes for key, codes in found.items() if codes} == {}


def _open_offline(browser, path: Path, min_images: int):
    """The report in Chromium: no console error, no request off the file, images loaded."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console_errors, requests = [], []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    assert console_errors == []
    assert [url for url in requests if not url.startswith(("file://", "data:"))] == []
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])"
    )
    assert len(images) >= min_images and all(done and width > 0 for done, width, _ in images)
    assert all(alt and "No description" not in alt for _, _, alt in images)  # French titles
    return page


def test_report_in_real_browser(reports, browser):
    path = Path(reports[("comparaison_territoriale", "region:84")].outputs["html"])
    page = _open_offline(browser, path, min_images=5)
    text = page.inner_text("body")
    assert AMOUNT.search(text) and "Taux de couverture" in text
    assert "Carte des territoires des CPTS" in text
    toc = page.eval_on_selector_all("nav a[href^='#']", "els => els.length")
    assert toc >= 8
    target = REPORTS_DIR / "browser" / "comparaison_region_84.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 50_000
    page.close()


# Scroll boxes around a table that scroll although the table fits under the box's height cap
# (or width): a scroll bar where none is needed.
NEEDLESS_SCROLL = """() => [...document.querySelectorAll('table')].flatMap(table => {
  let box = table.parentElement;
  while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflow)) box = box.parentElement;
  if (!box) return [];
  const style = getComputedStyle(box), size = table.getBoundingClientRect();
  const pad = (a, b) => parseFloat(style[a]) + parseFloat(style[b]);
  const cap = style.maxHeight === 'none' ? Infinity : parseFloat(style.maxHeight);
  const fitsHeight = size.height <= cap - pad('paddingTop', 'paddingBottom');
  const fitsWidth = size.width <= box.clientWidth - pad('paddingLeft', 'paddingRight');
  const scrolls = [fitsHeight && box.scrollHeight > box.clientHeight ? 'vertical' : '',
                   fitsWidth && box.scrollWidth > box.clientWidth ? 'horizontal' : ''];
  return scrolls.filter(Boolean).map(way => `${way}: ${table.rows.length} rows, ` +
    `${Math.round(size.width)}x${Math.round(size.height)} px in ${box.clientWidth}x` +
    `${box.clientHeight} px`); })"""
SCREENS = {"écran": {"width": 1280, "height": 800}, "téléphone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_a_table_that_fits_gets_no_scroll_bar(reports, browser, screen):
    """A long or wide table scrolls in its box; one that fits the box does not (issue 20)."""
    needless, scrolling = {}, 0
    for key, result in reports.items():
        page = browser.new_page(viewport=SCREENS[screen])
        page.goto(Path(result.outputs["html"]).as_uri(), wait_until="load")
        needless[key] = page.evaluate(NEEDLESS_SCROLL)
        scrolling += page.evaluate(
            """() => [...document.querySelectorAll('div:has(> table.dataframe)')]
                .filter(b => b.scrollHeight > b.clientHeight || b.scrollWidth > b.clientWidth)
                .length"""
        )
        page.close()
    assert {key: boxes for key, boxes in needless.items() if boxes} == {}
    assert scrolling > 0  # the check saw tables that do need to scroll (a region, a phone)


def test_reform_report_in_real_browser(reports, browser):
    path = Path(reports[("reforme", "departement:63")].outputs["html"])
    page = _open_offline(browser, path, min_images=2)
    text = page.inner_text("body")
    for heading in ("Coût total", "Gagnants et perdants", "Carte des écarts", "Valeurs modifiées"):
        assert heading in text
    assert "prorata" in text and "projet de négociation" in text
    page.close()


def test_hostile_cpts_name_is_escaped(tmp_path, browser):
    registry = tmp_path / "registre"
    shutil.copytree(EXAMPLE_REGISTRY, registry)
    cpts = registry / "cpts.csv"
    text = cpts.read_text(encoding="utf-8")
    cpts.write_text(text.replace("CPTS du Pays Roannais", "<script>alert(1)</script>"), "utf-8")
    job = report_job(
        "comparaison_territoriale",
        report_inputs(
            "comparaison_territoriale", "departement:42", {"registry": registry, "date": DATE}
        ),
    )
    result = run_batch([job], tmp_path / "out", workers=1, timeout=300).results[0]
    assert result.ok, result.error
    html = Path(result.outputs["html"]).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(Path(result.outputs["html"]).as_uri(), wait_until="load")
    assert dialogs == [] and "<script>alert(1)</script>" in page.inner_text("body")
    page.close()
