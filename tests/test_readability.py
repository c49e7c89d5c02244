"""Reports readable at the scale of a real region (71 CPTS) and printable as PDF.

The registry is built from real EPCI of region 84 (tests/region_registry.py). Figures are
checked on their drawn artists (every CPTS present, no two labels overlapping); the report is
run through the package runner with ``pdf=True``, opened in headless Chromium (one screen per
compact section, amounts on one line, screenshot in ``reports/browser/``) and its PDF read back
with pypdf (A4 pages, page numbers, a page per section, the same amounts as the HTML).
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.text import Annotation
from pypdf import PdfReader
from region_registry import build_region_registry
from visible_text import CODE_FORMS

from cpts_analysis.aci.missions import mission_order
from cpts_analysis.analysis.comparison import compare_territory
from cpts_analysis.core.formatting import format_euros, sort_key
from cpts_analysis.core.paths import REPORTS_DIR
from cpts_analysis.report import maps, plots
from cpts_analysis.report.content import cpts_table, headline_table, map_layers
from cpts_analysis.report.map_labels import spread
from cpts_analysis.runner.batch import run_batch
from cpts_analysis.runner.jobs import report_inputs, report_job
from cpts_analysis.territory.registry import load_registry

DATE = "2025-06-01"
SCREEN = {"width": 1280, "height": 900}
# Sections made to fit one screen at 70+ CPTS (the others are short, or long lists by nature).
COMPACT_SECTIONS = [
    "Les CPTS du territoire",
    "Financement annuel par mission",
    "Déploiement des missions face au calendrier",
    "Carte des territoires des CPTS",
    "Montants non confirmés",
]


@pytest.fixture(scope="module")
def region71(tmp_path_factory) -> Path:
    return build_region_registry(tmp_path_factory.mktemp("region71") / "registre")


@pytest.fixture(scope="module")
def comparison(region71):
    return compare_territory(load_registry(region71), "region:84", DATE)


@pytest.fixture(scope="module")
def names(comparison) -> pd.Series:
    return comparison.cpts.set_index("cpts_id")["nom"]


def test_fixture_is_region_sized(comparison):
    assert len(comparison.cpts) == 71
    assert comparison.cpts["departement"].nunique() == 12


def _overlapping(boxes) -> list:
    return [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]


def test_deployment_grid_above_25_cpts_lists_every_signed_cpts(comparison, names):
    figure = plots.deployment_chart(comparison.deployment, names, comparison.date)
    grids = [a for a in figure.axes if any(isinstance(c, QuadMesh) for c in a.collections)]
    assert len(grids) == 2  # two columns of at most 36 CPTS: one screen
    shown = [label.get_text() for axes in grids for label in axes.get_yticklabels()]
    signed = comparison.cpts.loc[comparison.cpts["date_signature"].notna(), "nom"]
    assert sorted(shown) == sorted(signed)
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    late = int((comparison.deployment["etat"] == "en_retard").sum())
    assert f"non démarrée, délai dépassé ({late})" in legend
    marked = comparison.deployment["etat"].isin(["en_retard", "demarree_en_retard"])
    marks = [c for axes in grids for c in axes.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in marks) == int(marked.sum()) > 0


def test_deployment_timeline_for_a_department(region71):
    result = compare_territory(load_registry(region71), "departement:42", DATE)
    names = result.cpts.set_index("cpts_id")["nom"]
    figure = plots.deployment_chart(result.deployment, names, result.date)
    assert len(figure.axes) == 1
    assert not any(isinstance(c, QuadMesh) for c in figure.axes[0].collections)


def test_funding_chart_in_columns_lists_every_funded_cpts(comparison, names):
    order = ["fonctionnement", *mission_order()]
    figure = plots.funding_by_mission(comparison.current, names, order)
    assert len(figure.axes) == 2
    shown = [label.get_text() for axes in figure.axes for label in axes.get_yticklabels()]
    assert sorted(shown) == sorted(names[comparison.current["cpts_id"].unique()])
    figure.draw_without_rendering()
    for axes in figure.axes:
        assert not _overlapping([t.get_window_extent() for t in axes.get_xticklabels()])


def test_indicator_bars_in_columns_list_every_cpts_highest_first(comparison, names):
    density = comparison.cpts.set_index("nom")["population"].astype(float)
    figure = plots.ranked_bars(density, "Population", "habitants")
    assert len(figure.axes) == 2  # 71 CPTS: two columns, one screen
    shown = [label.get_text() for axes in figure.axes for label in axes.get_yticklabels()]
    assert shown == density.sort_values(ascending=False).index.tolist()
    bars = [len(c.get_paths()) for axes in figure.axes for c in axes.collections]
    assert sum(bars) == len(density)
    figure.draw_without_rendering()
    for axes in figure.axes:
        assert not axes.texts  # the values are in the indicator table above the chart
        assert axes.xaxis.get_gridlines()[0].get_visible()
        assert not _overlapping([t.get_window_extent() for t in axes.get_xticklabels()])


@pytest.mark.parametrize("spread", [1.0, 40.0, 400.0])
def test_log_population_axis_written_in_french_without_collisions(comparison, spread):
    """The region's CPTS (1.2 decades of population), then with the smallest shrunk so that
    the axis spans up to about 4 decades."""
    cpts = comparison.cpts.copy()
    smallest = cpts.loc[cpts["financement_annuel"].notna(), "population"].idxmin()
    cpts.loc[smallest, "population"] = int(cpts.loc[smallest, "population"] / spread)
    cpts["euros_par_habitant"] = cpts["financement_annuel"] / cpts["population"]
    figure = plots.euros_per_inhabitant(cpts, comparison.rule_set.tiers)
    figure.draw_without_rendering()
    axis = figure.axes[0].xaxis
    low, high = axis.get_view_interval()
    assert high / low > spread  # the shrunk CPTS is drawn
    ticks = [*axis.get_major_ticks(), *axis.get_minor_ticks()]
    shown = [t.label1 for t in ticks if low <= t.get_loc() <= high and t.label1.get_text()]
    texts = [unicodedata.normalize("NFKC", t.get_text()) for t in shown]
    assert "100 000" in texts
    assert not [text for text in texts if "$" in text or "times" in text]
    assert len(texts) >= 3
    assert not _overlapping([t.get_window_extent() for t in shown])


def test_map_markers_and_legend_never_overlap(comparison, names):
    layers = map_layers(comparison, names)
    figure = maps.territory_map(**layers)
    figure.draw_without_rendering()
    map_axes, legend_axes = figure.axes
    markers = [a for a in map_axes.texts if isinstance(a, Annotation)]
    assert sorted(int(m.get_text()) for m in markers) == list(range(1, len(layers["contours"]) + 1))
    circles = [m.get_bbox_patch().get_window_extent() for m in markers]  # round markers
    for a, b in itertools.combinations(circles, 2):
        gap = np.hypot(
            a.x0 + a.width / 2 - b.x0 - b.width / 2, a.y0 + a.height / 2 - b.y0 - b.height / 2
        )
        assert gap >= (a.width + b.width) / 2, (a, b)
    entries = legend_axes.texts
    assert [t.get_text().split("  ", 1)[1] for t in entries] == sorted(
        names[layers["contours"]["cpts_id"]], key=sort_key
    )
    assert not _overlapping([t.get_window_extent() for t in entries])
    assert all(t.get_window_extent().x1 <= figure.bbox.x1 for t in entries)  # none cut off


def test_map_geometries_drawn_within_half_a_pixel_and_none_lost(comparison, names):
    """The simplified communes move by less than a pixel of the drawn map, none vanishes,
    and the region's map draws about half the points its communes hold."""
    layers = map_layers(comparison, names)
    figure = maps.territory_map(**layers)
    figure.draw_without_rendering()
    axes = figure.axes[0]
    white = layers["white"]["geometry"].dropna().to_numpy()
    drawn = axes.collections[1]  # contours, white zones, overlaps, outline
    assert len(drawn.get_paths()) == len(white)
    points = sum(len(path.vertices) for path in drawn.get_paths())
    assert points < 0.6 * shapely.get_num_coordinates(white).sum()
    tolerance = maps.half_pixel(layers["outline"], maps.MAP_WIDTH, figure.get_size_inches()[1])
    simplified = maps.drawn(white, tolerance)
    # The tolerance is half a pixel; GEOS's topology-keeping simplifier strays up to ~1.7 times
    # it near a ring's first point: still under a pixel.
    assert shapely.hausdorff_distance(simplified, white).max() <= 2 * tolerance
    # half a pixel of the axes actually drawn, in degrees of longitude (at most)
    pixels_per_degree = axes.bbox.width / (axes.get_xlim()[1] - axes.get_xlim()[0])
    assert tolerance * pixels_per_degree <= 0.5 * maps.ASPECT + 1e-9


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 60), st.floats(0, 60)), min_size=1, max_size=60
    ),  # dense: up to 60 markers of 17 px in a 60 px square
)
def test_spread_markers_never_overlap(points):
    anchors = np.array(points)
    placed = spread(anchors, 17)
    assert placed.shape == anchors.shape
    for a, b in itertools.combinations(placed, 2):
        assert np.hypot(*(a - b)) >= 17 - 1e-9
    free = [i for i, p in enumerate(anchors) if i == 0 or min(np.hypot(*(anchors[:i] - p).T)) >= 34]
    assert all(np.array_equal(placed[i], anchors[i]) for i in free)  # alone: stays on its spot


def test_tables_have_a_single_header_row(comparison):
    for table in (cpts_table(comparison), headline_table(comparison)):
        head = re.search(r"<thead>(.*?)</thead>", table._repr_html_(), re.S)[1]
        assert head.count("<tr") == 1
    assert re.search(r"<thead>\s*<tr[^>]*>\s*<th>CPTS</th>", cpts_table(comparison)._repr_html_())


# --- The report, in a browser and as PDF ----------------------------------------------------


@pytest.fixture(scope="module")
def report(region71, tmp_path_factory):
    job = report_job(
        "comparaison_territoriale",
        report_inputs(
            "comparaison_territoriale", "region:84", {"registry": region71, "date": DATE}
        ),
    )
    out = tmp_path_factory.mktemp("reports")
    batch = run_batch([replace(job, pdf=True)], out, workers=1, timeout=600)
    assert not batch.any_failed, [str(r.error) for r in batch.failed]
    return batch.results[0]


@pytest.mark.slow
def test_report_sections_fit_one_screen_and_amounts_never_wrap(report, browser):
    page = browser.new_page(viewport=SCREEN)
    page.goto(Path(report.outputs["html"]).as_uri(), wait_until="load")
    heights = dict(
        page.evaluate(
            """() => { const cells = [...document.querySelectorAll('.jp-Cell')];
            const starts = cells.filter(c => c.querySelector('h2'));
            return starts.map((cell, i) => {
              const next = i + 1 < starts.length ? starts[i + 1] : document.querySelector('main');
              const end = next.getBoundingClientRect()[next.matches('main') ? 'bottom' : 'top'];
              return [cell.querySelector('h2').textContent.replace('¶', '').trim(),
                      end - cell.getBoundingClientRect().top];
            }); }"""
        )
    )
    too_tall = {s: round(heights[s]) for s in COMPACT_SECTIONS if heights[s] > SCREEN["height"]}
    assert not too_tall, f"sections taller than one {SCREEN['height']} px screen: {too_tall}"
    wrapped = page.evaluate(
        """() => [...document.querySelectorAll('table.dataframe td')]
            .filter(td => /\\d\\u202f(€|%)$/.test(td.textContent.trim()))
            .filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                            return r.getClientRects().length !== 1; })
            .map(td => td.textContent)"""
    )
    assert wrapped == []
    text = page.inner_text("body")
    assert "\u202f€" in text and not re.search(r"\d €", text)  # no breakable space before €
    target = REPORTS_DIR / "browser" / "comparaison_region_84_71_cpts.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 100_000
    page.close()


@pytest.mark.slow
def test_pdf_is_a4_numbered_one_section_per_page_with_the_html_amounts(report):
    reader = PdfReader(report.outputs["pdf"])
    pages = [page.extract_text() for page in reader.pages]
    sizes = [(round(p.mediabox.width), round(p.mediabox.height)) for p in reader.pages]
    assert set(sizes) == {(596, 843), (843, 596)}  # A4 in points, portrait or landscape
    assert all(f"page {i} sur {len(pages)}" in text for i, text in enumerate(pages, 1))
    # Section headings start their page (NFKC undoes the "ﬀ" ligature of "Chiffres").
    starts = [unicodedata.normalize("NFKC", text).lstrip() for text in pages]
    sections = ["Chiffres clés", *COMPACT_SECTIONS, "Sources et méthode"]
    assert [s for s in sections if not any(text.startswith(s) for text in starts)] == []
    landscape = [
        text.splitlines()[0] for text, size in zip(starts, sizes, strict=True) if size[0] > size[1]
    ]
    assert landscape == ["Financement annuel par mission", "Carte des territoires des CPTS"]
    assert len(pages) > len(sections) + 1  # title and contents, then a page per section at least
    headline = json.loads(Path(report.outputs["headline"]).read_text("utf-8"))["headline"]
    total = format_euros(headline["financement_annuel_total"])  # e.g. 13 123 904,52 €, U+202F
    html = Path(report.outputs["html"]).read_text("utf-8")
    assert total in html and total in "".join(pages)
    bookmarks = [item.title for item in _flat(reader.outline)]  # PDF table of contents
    assert {"Sommaire", *sections} <= set(bookmarks)


def test_a_chart_without_title_is_refused_rather_than_shown_without_text_alternative():
    figure, axes = plots.new_figure()
    with pytest.raises(ValueError, match="sans titre"):
        plots.show(figure)
    figure.suptitle("Financement")
    axes.set_title("Financement")
    assert plots.alt_text(figure) == "Financement"  # said once
    axes.set_title("par mission")
    assert plots.alt_text(figure) == "Financement — par mission"


@pytest.mark.slow
def test_charts_carry_their_titles_as_text_alternative_in_html_and_pdf(report, browser):
    page = browser.new_page()
    page.goto(Path(report.outputs["html"]).as_uri(), wait_until="load")
    alts = page.eval_on_selector_all("img", "els => els.map(e => e.alt)")
    page.close()
    assert len(alts) >= 10
    assert "Financement annuel par mission" in alts
    assert "Territoires des CPTS — gris : zones blanches ; hachures rouges : chevauchements" in alts
    assert all(alts) and not any("No description" in alt for alt in alts)
    # The tagged PDF keeps them on its Figure elements, for screen readers of the PDF.
    root = PdfReader(report.outputs["pdf"]).trailer["/Root"]
    figures = _struct_elements(root["/StructTreeRoot"], "/Figure")
    assert [figure.get("/Alt") for figure in figures] == alts


def _flat(outline: list) -> list:
    return [i for item in outline for i in (_flat(item) if isinstance(item, list) else [item])]


def _struct_elements(node, kind: str) -> list:
    """Elements of type ``kind`` in a tagged PDF's structure tree, in reading order."""
    node = node.get_object()
    if isinstance(node, list):
        return [found for child in node for found in _struct_elements(child, kind)]
    if not isinstance(node, dict):
        return []  # a marked-content id
    here = [node] if node.get("/S") == kind else []
    return here + (_struct_elements(node["/K"], kind) if "/K" in node else [])


@pytest.mark.slow
def test_pdf_text_holds_no_code(report):
    """The PDF's text layer, cover included, reads like the page: no code such as
    ``region:84``, ``avenant_2`` or ``signe``."""
    text = " ".join(page.extract_text() for page in PdfReader(report.outputs["pdf"]).pages)
    assert "Rhône-Alpes (84)" in text
    assert sorted({m.group(0) for m in CODE_FORMS.finditer(text)}) == []


def test_batch_pdf_is_published_and_reused(report, region71):
    """A rerun of the same PDF report is skipped (its PDF is there); the manifest lists it."""
    manifest = json.loads((report.folder.parents[1] / "manifest.json").read_text("utf-8"))
    (record,) = manifest["reports"].values()
    pdf = record["published"]["outputs"]["pdf"]
    assert pdf.endswith("report.pdf")
    index = (report.folder.parents[1] / "index.html").read_text("utf-8")
    assert f'<a href="{pdf}">PDF</a>' in index
    job = report_job(
        "comparaison_territoriale",
        report_inputs(
            "comparaison_territoriale", "region:84", {"registry": region71, "date": DATE}
        ),
    )
    again = run_batch([replace(job, pdf=True)], report.folder.parents[1], workers=1, timeout=600)
    assert again.results == [] and len(again.skipped) == 1
