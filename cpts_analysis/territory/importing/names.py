"""Commune names as people type them, reduced to one comparable key.

"St-Étienne", "SAINT ETIENNE", "saint-etienne (42)" and "Saint-Ã‰tienne" (UTF-8 read as
Windows-1252) all become ``saint etienne``; "Marseille 2ème", "Marseille IIe arrondissement"
and the official "Marseille 2e Arrondissement" all become ``marseille 2``.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

_DEPARTMENT_HINT = re.compile(r"\s*[\(\[]\s*(\d{2,3}|2[ABab])\s*[\)\]]\s*$")
_ARTICLE_SUFFIX = re.compile(r"^(.*?)\s*\(\s*(l'|le|la|les)\s*\)$", re.IGNORECASE)
_ROMAN = {"i": 1, "v": 5, "x": 10}
_ARRONDISSEMENT = re.compile(
    r"^(paris|lyon|marseille)\s+(\d{1,2}|[ivx]{1,5})\s*(?:er|ere|eme|e|nd|d)?"
    r"(?:\s+(?:arrondissement|arrondt|arrdt|arr))?$"
)
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_CP850_MARKS = ("├", "┬", "┼", "╔", "╗")


def repair_encoding(text: str) -> str:
    """Undo the usual encoding accidents: UTF-8 read as Windows-1252 (``Ã©``) or as the DOS
    code page 850/437 of a console (``├®``, ``├á``). Text without them is returned unchanged."""
    fixed = ftfy.fix_encoding(text)
    if fixed == text and any(mark in text for mark in _CP850_MARKS):
        for codepage in ("cp850", "cp437"):
            try:
                return text.encode(codepage).decode("utf-8")
            except UnicodeError:
                continue
    return fixed


def split_department_hint(text: str) -> tuple[str, str | None]:
    """``Aiglun (04)`` → (``Aiglun``, ``04``); ``Ajaccio (2a)`` → (``Ajaccio``, ``2A``)."""
    match = _DEPARTMENT_HINT.search(text)
    if match is None:
        return text, None
    return text[: match.start()], match.group(1).upper()


def _roman(token: str) -> int | None:
    values = [_ROMAN[c] for c in token]
    total = sum(
        -v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values)
    )
    return total if 0 < total < 40 else None


def name_key(text: str) -> str:
    """Comparable key: no accents, case, punctuation; St/Ste spelled out; "(Le)" moved first;
    arrondissements of Paris, Lyon, Marseille as ``city number``."""
    text = repair_encoding(text).strip()
    article = _ARTICLE_SUFFIX.match(text)
    if article:
        text = f"{article.group(2)} {article.group(1)}"
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    words = [_ABBREVIATIONS.get(word, word) for word in text.split()]
    key = " ".join(words)
    arrondissement = _ARRONDISSEMENT.match(key)
    if arrondissement:
        city, number = arrondissement.group(1), arrondissement.group(2)
        value = int(number) if number.isdigit() else _roman(number)
        if value:
            return f"{city} {value}"
    return key


def header_key(text: str) -> str:
    """Column header key: case, accents, spaces, ``_``, ``-`` and apostrophes ignored
    (``Nom de la CPTS`` → ``nomdelacpts``, ``État d'avancement`` → ``etatdavancement``)."""
    text = unicodedata.normalize("NFKD", repair_encoding(str(text)))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[\s_\-'’]+", "", text)
