"""What a reader sees of a report, and the codes that must never be part of it (issue 20)."""

from __future__ import annotations

import html as html_module
import re

# Codes that must never reach what people read (issue 20): territory codes with their level,
# registry states, rule set ids, mission ids, statuses and booleans of the machine formats.
CODE_FORMS = re.compile(
    r"\b(?:region|departement):\d|\bsigne\b|\bpre-projet\b|avenant_2|aci_2019|acces_soins|"
    r"crise_sanitaire|\b(?:un)?confirmed\b|\bTrue\b|\bFalse\b|\bNaN\b|\bnan\b|\bNone\b"
)


def visible_text(html: str) -> str:
    """What a reader sees of a page: no markup, style, script or image data."""
    text = re.sub(r"<(style|script)\b.*?</\1>|<img[^>]*>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", text))
