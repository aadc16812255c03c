"""Load and validate the rubric data files.

A mistake in a data file stops the bot at start-up with one message that names the file,
the task and the field, so whoever edited the YAML can fix it without reading a traceback.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.common.rubric import Campaign, Glossary, Lexicon, Rubric, Table, Unit

DATA_DIR = Path(__file__).resolve().parent
TABLE_FILES = {"party": "party.yaml", "government": "government.yaml"}



class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML with YAML 1.2 booleans: only true/false, so a key named ``no`` stays a string."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"))
    )


class RubricError(Exception):
    """A data file is missing, not valid YAML, or does not match the rubric's schema."""


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)
    except FileNotFoundError:
        raise RubricError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise RubricError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        raise RubricError(f"{path}: not valid YAML: {exc}") from None


def _describe(loc: tuple[Any, ...], data: Any) -> str:
    """Turn a pydantic error location into 'task 7 (tasks[6]) › criteria[0] › points'."""
    parts: list[str] = []
    node = data
    for i, key in enumerate(loc):
        if isinstance(key, int):
            parts[-1] = f"{parts[-1]}[{key}]" if parts else f"[{key}]"
            if isinstance(node, list) and 0 <= key < len(node):
                node = node[key]
                if i > 0 and loc[i - 1] == "tasks" and isinstance(node, dict) and "no" in node:
                    parts[-1] = f"task {node['no']} ({parts[-1]})"
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return " › ".join(parts) or "(top level)"


def _validate(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: {exc.error_count()} problem(s)"]
        for err in exc.errors():
            lines.append(f"  {_describe(tuple(err['loc']), data)}: {err['msg']}")
        raise RubricError("\n".join(lines)) from None


class _UnitList(BaseModel):
    units: list[Unit]


def load_rubric(data_dir: Path | str | None = None) -> Rubric:
    """Read every data file under ``data_dir`` (default: this package) and validate it."""
    root = Path(data_dir or os.environ.get("DUCHA_RUBRIC_DIR") or DATA_DIR)
    campaign = _validate(Campaign, _read_yaml(root / "campaign.yaml"), root / "campaign.yaml")
    tables = {}
    for key, name in TABLE_FILES.items():
        table = _validate(Table, _read_yaml(root / name), root / name)
        if table.key != key:
            raise RubricError(f"{root / name}: key: expected {key!r}, found {table.key!r}")
        tables[key] = table
    units = _validate(_UnitList, {"units": _read_yaml(root / "units.yaml")}, root / "units.yaml").units
    lexicon = _validate(Lexicon, _read_yaml(root / "lexicon.yaml"), root / "lexicon.yaml")
    # The English glossary is optional: a data folder without it answers Chinese only.
    glossary_path = root / "glossary.yaml"
    glossary = _validate(Glossary, _read_yaml(glossary_path), glossary_path) if glossary_path.exists() else Glossary()
    return Rubric(campaign=campaign, tables=tables, units=units, lexicon=lexicon, glossary=glossary)


@lru_cache(maxsize=1)
def default_rubric() -> Rubric:
    """The rubric shipped with the package, loaded once per process."""
    return load_rubric()
