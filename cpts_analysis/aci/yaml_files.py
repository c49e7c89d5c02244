"""Reading a YAML parameter file: its encoding, unique keys, and French errors with the row.

Parameter folders and rule variants are written by hand, often on Windows: a file saved in
Windows-1252 or UTF-16 is read, and every problem is one French line naming the row, never
PyYAML's English text or a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cpts_analysis.core.errors import InputError
from cpts_analysis.core.files import decode_text
from cpts_analysis.core.messages import yaml_message


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader that refuses duplicate keys instead of keeping the last one silently."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # ? [a, b] : a list or mapping as key
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    "clé complexe (liste ou dictionnaire) non admise",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"clé {key!r} en double (déjà ligne {seen[key]})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path, label: str) -> Any:
    try:
        text = decode_text(path.read_bytes())[0]
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise InputError.single(label, "fichier de paramètres introuvable") from None
    except UnicodeDecodeError:
        raise InputError.single(
            label, "encodage non reconnu : enregistrez le fichier en UTF-8"
        ) from None
    except RecursionError:
        raise InputError.single(label, "YAML invalide : imbrication trop profonde") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None)
        ours = isinstance(exc, yaml.constructor.ConstructorError) and problem
        message = problem if ours else yaml_message(problem)
        raise InputError.single(label, f"YAML invalide : {message}", row=row) from None
