"""Executed notebook → one self-contained, offline HTML page in French.

One ``HTMLExporter`` is built per process and reused: building it (template discovery, Jinja
environment) costs more than rendering a report, and the nbconvert CLI would cost ~20×. A
process about to export starts :func:`warm_up` first: the first page then finds the exporter
built and its Markdown parser, sanitiser and templates compiled, done in a thread while the
kernel computes.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import html
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

from cpts_analysis.core.files import write_text_atomic
from cpts_analysis.core.formatting import format_date
from cpts_analysis.core.vocabulary import PARAMETERS
from cpts_analysis.runner.display import display_value

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "report"
HIDDEN_CELL_TAGS = ("parameters", "injected-parameters")
TOC_PLACEHOLDER = "<!-- cpts-toc -->"
TOC_LEVELS = 3
# Markdown headings as nbconvert renders them: an id plus a "¶" anchor link to it.
_HEADING = re.compile(
    r'<h([1-6]) id="([^"]+)">(.*?)<a class="anchor-link" href="#[^"]*">¶</a></h\1>', re.S
)
_TAG = re.compile(r"<[^>]+>")
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


@dataclass(frozen=True)
class Header:
    """What the page header shows; every value is plain text, escaped by the template."""

    title: str
    generated: str  # JJ/MM/AAAA
    subtitle: str = ""
    parameters: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    rule_set: str = ""
    data_vintages: list[tuple[str, str]] = field(default_factory=list)


def build_header(stem: str, label: str, parameters: dict[str, Any], meta: dict) -> Header:
    """Header from the caller's parameters and the ``meta`` a notebook gave to save_sidecars.

    The label is shown under the title unless the title already contains it.
    """
    labels = PARAMETERS | (meta.get("parameter_labels") or {})
    title = str(meta.get("title") or stem)
    return Header(
        title=title,
        subtitle="" if label in title else label,
        parameters=[
            (str(labels.get(name, name)), display_value(value))
            for name, value in parameters.items()
        ],
        rule_set=display_value(meta["rule_set"]) if meta.get("rule_set") else "",
        data_vintages=[
            (str(name), display_value(vintage))
            for name, vintage in (meta.get("data_vintages") or {}).items()
        ],
        generated=format_date(meta.get("generated_at") or dt.datetime.now()),
    )


_rendering = threading.Lock()  # one exporter per process: one page at a time


@functools.cache
def warm_up() -> threading.Thread:
    """Render a sample page (heading, table, image) in a daemon thread, once per process."""
    cells = [
        nbformat.v4.new_markdown_cell("# Titre\n\nTexte *mis en forme*."),
        nbformat.v4.new_code_cell(
            outputs=[
                nbformat.v4.new_output(
                    "display_data",
                    {"text/html": "<table><tr><td>1</td></tr></table>", "image/png": _PIXEL},
                )
            ]
        ),
    ]
    sample = nbformat.v4.new_notebook(cells=cells)
    thread = threading.Thread(
        target=render_html, args=(sample, Header("Titre", "01/01/2025")), daemon=True
    )
    thread.start()
    return thread


_PIXEL = (  # a 1×1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4Dw"
    "ABBAEAwS2OUAAAAABJRU5ErkJggg=="
)


@functools.cache
def _exporter() -> HTMLExporter:
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_CELL_TAGS)
    return HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code="fr",
    )


def render_html(nb: nbformat.NotebookNode, header: Header) -> str:
    """The report page: header, table of contents, then the notebook's markdown and outputs."""
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = (
        f"{header.title} – {header.subtitle}" if header.subtitle else header.title
    )
    with _rendering:
        page, _ = _exporter().from_notebook_node(nb, resources={"cpts_header": header})
    # The lab theme's CSS comments cite web pages: dropped so the page names no URL of its own.
    head, body_tag, body = page.partition("<body")
    body, toc = _table_of_contents(body)
    head = _STYLE.sub(lambda m: m[1] + _CSS_COMMENT.sub("", m[2]) + m[3], head)
    return head + body_tag + body.replace(TOC_PLACEHOLDER, toc, 1)


def write_html(nb: nbformat.NotebookNode, header: Header, path: Path) -> None:
    write_text_atomic(path, render_html(nb, header))


def _table_of_contents(body: str) -> tuple[str, str]:
    """Give repeated headings unique ids, and list headings up to level 3 as anchor links."""
    seen: dict[str, int] = {}
    entries: list[str] = []

    def visit(match: re.Match[str]) -> str:
        level, anchor, inner = int(match[1]), match[2], match[3]
        seen[anchor] = seen.get(anchor, 0) + 1
        if seen[anchor] > 1:
            anchor = f"{anchor}-{seen[anchor]}"
        if level <= TOC_LEVELS:
            text = html.escape(html.unescape(_TAG.sub("", inner)).strip())
            entries.append(f'<li class="cpts-toc-{level}"><a href="#{anchor}">{text}</a></li>')
        return (
            f'<h{level} id="{anchor}">{inner}<a class="anchor-link" href="#{anchor}">¶</a>'
            f"</h{level}>"
        )

    body = _HEADING.sub(visit, body)
    if not entries:
        return body, ""
    items = "\n".join(entries)
    nav = f'<nav class="cpts-toc" aria-label="Sommaire">\n<h2>Sommaire</h2>\n<ol>\n{items}\n</ol>'
    return body, nav + "\n</nav>"
