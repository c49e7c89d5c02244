"""A Dask scheduler address checked before any connection: a typo is refused at once, not after
the client's connection timeout.

Kept apart from :mod:`~cpts_analysis.runner.cluster` so that the command line checks
``--scheduler`` without loading Dask.
"""

from __future__ import annotations

import re

from cpts_analysis.runner.errors import ReportInputError

PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_HOST = r"(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
_ADDRESS = re.compile(rf"(?:(?P<protocol>[a-z]+)://)?(?P<host>{_HOST}):(?P<port>\d{{1,5}})")


def check_address(address: str) -> str:
    """``address`` if it reads as ``[protocole://]hôte:port``, else :class:`ReportInputError`."""
    match = _ADDRESS.fullmatch(address.strip())
    protocol = match and match["protocol"]
    if match is None or (protocol and protocol not in PROTOCOLS):
        raise ReportInputError(
            f"adresse de planificateur Dask invalide « {address} » : attendu "
            "[protocole://]hôte:port, par exemple tcp://serveur:8786"
        )
    if not 0 < int(match["port"]) < 65536:
        raise ReportInputError(f"adresse « {address} » : port {match['port']} hors de 1–65535")
    return address.strip()
