"""Finding and reading packs: the catalogue folder, a pack folder, a ``pack.json`` or a one-file pack.

A pack is a folder ``templates_catalog/<id>/`` holding ``pack.json`` and, optionally, sample data
files that ``pack.json`` lists (``"sample_data": ["sample_data/supplier.json", ...]``). An exported
pack may also be one JSON file with its sample data inline. Nothing here checks the content
beyond "it is JSON": :mod:`.validator` does that, reporting every problem with its JSON path.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from ..errors import NotFound, ValidationError

CATALOG_ENV = "RECORDBASE_TEMPLATES_DIR"


def catalog_dir() -> Path:
    """``templates_catalog/`` of the source tree (or ``$RECORDBASE_TEMPLATES_DIR``)."""
    env = os.environ.get(CATALOG_ENV)
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3] / "templates_catalog"


def schema_path() -> Path:
    return catalog_dir() / "pack.schema.json"


class PackError(ValidationError):
    """A pack that cannot be installed: ``details`` = {"path": first path, "errors": [{"path", "message"}]}."""

    def __init__(self, problems: list[dict], what: str = "Invalid pack"):
        problems = problems or [{"path": "$", "message": "unknown problem"}]
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{what}: {first['path']}: {first['message']}{more}",
                         {"path": first["path"], "errors": problems})
        self.problems = problems


@dataclass
class SampleFile:
    """One sample data file: where it came from (for messages), its index in ``sample_data``, its JSON."""

    index: int
    source: str
    data: Any


@dataclass
class PackSource:
    """A pack read from disk (or given as JSON): its manifest and its sample data files."""

    manifest: dict
    origin: str = "<json>"
    base: Optional[Path] = None
    samples: list[SampleFile] = field(default_factory=list)
    #: problems met while reading (a sample file that is missing or not JSON), reported by the validator
    read_problems: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.manifest.get("id", "")) if isinstance(self.manifest, dict) else ""

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "")) if isinstance(self.manifest, dict) else ""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"No pack file at {path}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackError([{"path": "$", "message": f"{path.name} is not valid JSON: {exc}"}]) from None


def from_json(manifest: Any, origin: str = "<json>", base: Optional[Path] = None) -> PackSource:
    """A pack given as parsed JSON; sample files named by path are read from ``base``."""
    src = PackSource(manifest=manifest if isinstance(manifest, dict) else {}, origin=origin, base=base)
    if not isinstance(manifest, dict):
        src.read_problems.append({"path": "$", "message": "a pack must be a JSON object"})
        return src
    entries = manifest.get("sample_data") or []
    if not isinstance(entries, list):
        return src  # the schema reports it
    for i, entry in enumerate(entries):
        if isinstance(entry, dict):
            src.samples.append(SampleFile(i, f"sample_data[{i}]", entry))
        elif isinstance(entry, str):
            if base is None:
                src.read_problems.append({"path": f"$.sample_data[{i}]",
                                          "message": f"'{entry}' cannot be read: this pack has no folder"})
                continue
            path = (base / entry).resolve()
            if base.resolve() not in path.parents:
                src.read_problems.append({"path": f"$.sample_data[{i}]", "message": f"'{entry}' is outside the pack"})
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                src.read_problems.append({"path": f"$.sample_data[{i}]", "message": f"no file '{entry}' in the pack"})
                continue
            except (ValueError, UnicodeDecodeError) as exc:
                src.read_problems.append({"path": f"$.sample_data[{i}]", "message": f"'{entry}' is not valid JSON: {exc}"})
                continue
            src.samples.append(SampleFile(i, entry, data))
    return src


def load(ref: Union[str, Path]) -> PackSource:
    """A pack by catalogue name (``outsourcing``), folder, ``pack.json`` path or one-file pack path."""
    text = str(ref)
    path = Path(text).expanduser()
    if not path.exists() and "/" not in text and "\\" not in text and not text.endswith(".json"):
        candidate = catalog_dir() / text
        if not (candidate / "pack.json").is_file():
            raise NotFound(f"No pack named '{text}' in the catalogue ({catalog_dir()}); "
                           f"known packs: {', '.join(catalog_names()) or 'none'}", {"pack": text})
        path = candidate
    if path.is_dir():
        path = path / "pack.json"
        if not path.is_file():
            raise NotFound(f"No pack.json in {path.parent}", {"pack": text})
    if not path.is_file():
        raise NotFound(f"No pack file at {path}", {"pack": text})
    return from_json(_read_json(path), origin=str(path), base=path.parent)


def catalog_names() -> list[str]:
    root = catalog_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "pack.json").is_file())


def catalog() -> list[PackSource]:
    """Every pack of the catalogue (unreadable ones are left out)."""
    out = []
    for name in catalog_names():
        try:
            out.append(load(name))
        except (NotFound, PackError):
            continue
    return out
