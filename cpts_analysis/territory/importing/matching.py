"""Resolving what a flat list puts in its commune column: a code, a former code, or a name.

No guess: a name is resolved only when exactly one current commune answers it (within the
row's department when known); otherwise the row stays unresolved with up to three candidates.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd
from rapidfuzz import fuzz, process

from cpts_analysis.core.vocabulary import FORMER_NAMES
from cpts_analysis.territory.communes import (
    load_commune_history,
    load_commune_names_history,
    load_communes,
    load_departements,
)
from cpts_analysis.territory.importing.names import name_key, split_department_hint

_CODE = re.compile(r"\d{4,5}|2[AB]\d{3}", re.IGNORECASE)
MAX_CANDIDATES = 3
FUZZY_CUTOFF = 70  # rapidfuzz ratio (0–100); below it a suggestion is more noise than help


@dataclass(frozen=True)
class Resolution:
    """How one commune cell was read: ``kind`` is ``code``, ``historical``, ``name`` or
    ``unresolved``; ``code`` the current commune or arrondissement (None if unresolved);
    ``via`` says, for a name, what history it was matched through (empty for today's name)."""

    kind: str
    code: str | None
    candidates: tuple[str, ...] = ()
    note: str = ""
    via: str = ""


Tier = dict[str, dict[str, str]]  # name key → {current code: how the name leads to it}


@dataclass
class _Names:
    """Name key → current codes, one map per source, most authoritative first; ``bare`` holds
    every name without its leading article (« Bono » for Le Bono), consulted last."""

    current: Tier = field(default_factory=lambda: defaultdict(dict))
    delegated: Tier = field(default_factory=lambda: defaultdict(dict))
    former: Tier = field(default_factory=lambda: defaultdict(dict))
    bare: Tier = field(default_factory=lambda: defaultdict(dict))

    def tiers(self) -> tuple[Tier, ...]:
        return self.current, self.delegated, self.former


_ARTICLE = re.compile(r"^(?:le|la|les|l) (?=\S)")


def without_article(key: str) -> str:
    """``le bono`` → ``bono``: lists often drop the article the COG writes."""
    return _ARTICLE.sub("", key)


class CommuneMatcher:
    """Index of every name the pinned releases record: current communes and arrondissements,
    communes déléguées / associées, former communes and former names of a code (renames,
    mergers, since 1943), each also without its article (``data/``, see its README)."""

    def __init__(self) -> None:
        communes = load_communes()
        self.names = communes.set_index("code")["nom"]
        self.deps = communes.set_index("code")["dep"]
        history = load_commune_history()
        current = set(communes["code"])
        self.former = history[~history["code_ancien"].isin(current)].set_index("code_ancien")
        self.by_dep: dict[str | None, _Names] = defaultdict(_Names)
        for code, name in zip(communes["code"], communes["nom"], strict=True):
            self._add("current", name, code, "")
        named = history.dropna(subset=["nom_ancien"])
        for name, code, kind in zip(named["nom_ancien"], named["code"], named["type"], strict=True):
            tier = "former" if kind == "ancienne" else "delegated"
            self._add(tier, name, code, f"{FORMER_NAMES[kind]} « {name} »")
        renamed = load_commune_names_history()
        for name, code, motif in zip(
            renamed["nom_ancien"], renamed["code"], renamed["motif"], strict=True
        ):
            self._add("former", name, code, f"{FORMER_NAMES[motif]} « {name} »")
        departements = load_departements()
        self.departements = set(departements["code"])
        self.departement_names = {
            name_key(n): c for n, c in zip(departements["nom"], departements["code"], strict=True)
        }

    def _add(self, tier: str, name: str, code: str, via: str) -> None:
        key = name_key(name)
        bare_via = f"nom sans son article (« {name} »{f', {via}' if via else ''})"
        for scope in (self.deps[code], None):
            names = self.by_dep[scope]
            getattr(names, tier)[key].setdefault(code, via)
            names.bare[without_article(key)].setdefault(code, bare_via)

    def departement(self, text: str) -> str | None:
        """A department cell as a code: ``6``, ``06``, ``2a`` or ``Alpes-Maritimes``."""
        value = text.strip().upper()
        if value.isdigit() and len(value) == 1:
            value = f"0{value}"
        if value in self.departements:
            return value
        return self.departement_names.get(name_key(text))

    def label(self, code: str) -> str:
        return f"{code} {self.names[code]} ({self.deps[code]})"

    def resolve(self, value: str, departement: str | None = None) -> Resolution:
        text = value.strip()
        if _CODE.fullmatch(text):
            return self._code(text.upper())
        name, hint = split_department_hint(text)
        scope = departement or (hint if hint in self.departements else None)
        return self._name(name_key(name), scope)

    def _code(self, code: str) -> Resolution:
        note = ""
        if len(code) == 4:
            code, note = f"0{code}", f"zéro initial ajouté : {code} → 0{code}"
        if code in self.names.index:
            return Resolution("code", code, note=note)
        if code in self.former.index:
            return Resolution("historical", str(self.former.loc[code, "code"]), note=note)
        return Resolution("unresolved", None, note="code Insee inconnu")

    def _name(self, key: str, scope: str | None) -> Resolution:
        found = self._exact(key, scope)
        if found is not None:
            return found
        note = "nom inconnu"
        if scope is not None:  # candidates stay in the department; other ones are only named
            elsewhere = self._exact(key, None)
            if elsewhere is not None:
                codes = elsewhere.candidates or (self.label(str(elsewhere.code)),)
                note = f"nom inconnu dans le département {scope} (ailleurs : {' ; '.join(codes)})"
        return Resolution("unresolved", None, self._close(key, scope), note)

    def _exact(self, key: str, scope: str | None) -> Resolution | None:
        """The first tier (current, delegated, former names, then names without their
        article) that knows ``key``, if any."""
        names = self.by_dep.get(scope)
        if names is None:
            return None
        lookups = [(tier, key) for tier in names.tiers()] + [(names.bare, without_article(key))]
        for tier, wanted in lookups:
            codes = tier.get(wanted, {})
            if len(codes) == 1:
                code, via = next(iter(codes.items()))
                return Resolution("name", code, via=via)
            if codes:
                labels = tuple(self.label(c) for c in sorted(codes)[:MAX_CANDIDATES])
                return Resolution("unresolved", None, labels, "nom ambigu")
        return None

    def _close(self, key: str, scope: str | None) -> tuple[str, ...]:
        names = self.by_dep.get(scope) or self.by_dep[None]
        pool = {k: list(codes) for tier in reversed(names.tiers()) for k, codes in tier.items()}
        found = process.extract(
            key, list(pool), scorer=fuzz.ratio, limit=MAX_CANDIDATES, score_cutoff=FUZZY_CUTOFF
        )
        codes = dict.fromkeys(c for match, *_ in found for c in sorted(pool[match]))
        return tuple(self.label(c) for c in list(codes)[:MAX_CANDIDATES])


def former_name(matcher: CommuneMatcher, code: str) -> str | None:
    """The recorded name of a former code, if the history gives one."""
    if code not in matcher.former.index:
        return None
    name = matcher.former.loc[code, "nom_ancien"]
    return None if pd.isna(name) else str(name)
