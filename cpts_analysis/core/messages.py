"""French wording of the validation messages of pydantic and PyYAML, which speak English.

A parameter file, a variant or a report parameter refused for its type must read as the rest
of the toolkit: one French line naming the key and what is expected, never the library's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PYDANTIC = {
    "string_type": "texte attendu",
    "bool_type": "True ou False attendu",
    "bool_parsing": "oui/non attendu (true ou false)",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu, et non « {input} »",
    "int_from_float": "nombre entier attendu, et non « {input} »",
    "float_type": "nombre attendu",
    "float_parsing": "nombre attendu, et non « {input} »",
    "finite_number": "nombre fini attendu",
    "dict_type": "dictionnaire attendu (des lignes « clé: valeur »)",
    "model_type": "dictionnaire attendu (des lignes « clé: valeur »)",
    "list_type": "liste attendue",
    "tuple_type": "liste attendue",
    "missing": "clé obligatoire absente",
    "extra_forbidden": "clé inconnue",
    "literal_error": "valeur parmi {expected} attendue, et non « {input} »",
    "enum": "valeur parmi {expected} attendue, et non « {input} »",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date attendue (AAAA-MM-JJ), et non « {input} »",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ), et non « {input} »",
    "string_pattern_mismatch": "« {input} » : caractères autorisés : lettres, chiffres, :, _ et -",
    "string_too_long": "au plus {max_length} caractères",
    "string_too_short": "valeur vide",
    "greater_than": "plus de {gt} attendu",
    "greater_than_equal": "au moins {ge}",
    "less_than": "moins de {lt} attendu",
    "less_than_equal": "au plus {le}",
    "recursion_loop": "imbrication trop profonde",
}

YAML = {
    "mapping values are not allowed": "deux-points inattendu (indentation ?)",
    "found a tab character": "tabulation interdite : indentez avec des espaces",
    "could not find expected ':'": "deux-points attendu après la clé",
    "found character '\\t' that cannot start any token": (
        "tabulation interdite : indentez avec des espaces"
    ),
    "found undefined alias": "alias (*nom) inconnu",
    "expected <block end>, but found": "indentation incohérente",
    "found unexpected end of stream": "fin de fichier inattendue (guillemet non fermé ?)",
    "found unknown escape character": "séquence d'échappement inconnue dans une chaîne",
    "did not find expected key": "clé attendue (indentation ?)",
    "did not find expected node content": "valeur attendue",
}


def pydantic_message(error: Mapping[str, Any]) -> str:
    """One pydantic error in French; our own validators' ``ValueError`` texts are French."""
    if error["type"] == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if error.get("input") == "":
        return "valeur vide"
    template = PYDANTIC.get(error["type"], "valeur refusée « {input} »")
    context = {key: _shown(value) for key, value in (error.get("ctx") or {}).items()}
    return template.format(input=_shown(error.get("input")), **context)


def yaml_message(problem: str | None) -> str:
    """A PyYAML parser problem in French (the line is given beside it)."""
    text = problem or ""
    for english, french in YAML.items():
        if text.startswith(english):
            return french
    return "syntaxe YAML invalide à cet endroit"


def _shown(value: object) -> str:
    """A value quoted in a message: scalars as typed, containers by their kind (a deeply nested
    one cannot even be printed)."""
    if isinstance(value, list | tuple):
        return "une liste"
    if isinstance(value, dict):
        return "un dictionnaire"
    text = str(value)
    return text if len(text) <= 60 else f"{text[:60]}…"
