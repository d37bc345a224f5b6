"""The site registry: which portals exist, where their annual-report columns are.

A readable TOML file (data/sites.toml) so that adding a portal is a reviewed text change, not
code. This module loads, validates and filters it; it knows nothing of Scrapy or SQLite.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harvester.provinces import resolve_province

DEFAULT_PATH = Path("data/sites.toml")
LEVELS = ("省", "市", "县", "部门", "开发区")
REQUIRED = ("id", "agency", "province", "level", "homepage")


class RegistryError(ValueError):
    """The registry file is missing or malformed; the message says where."""


@dataclass
class Site:
    id: str
    agency: str
    province: str
    level: str
    homepage: str
    columns: list[str] = field(default_factory=list)
    city: str | None = None
    county: str | None = None
    family: str = "generic"
    spider: str = "generic"
    verified: bool = False
    source: str | None = None

    def as_row(self) -> dict:
        """The `sites` table row: lists as JSON text."""
        row = asdict(self)
        row["columns"] = json.dumps(self.columns, ensure_ascii=False)
        return row


def load(path: str | Path = DEFAULT_PATH) -> list[Site]:
    """Read and validate the registry; a clear RegistryError on any problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"registry not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise RegistryError(f"{path}: not valid TOML: {e}") from None
    sites, seen = [], set()
    for n, entry in enumerate(data.get("sites", []), 1):
        missing = [k for k in REQUIRED if not entry.get(k)]
        if missing:
            raise RegistryError(f"{path}: site #{n} lacks {', '.join(missing)}")
        if entry["id"] in seen:
            raise RegistryError(f"{path}: duplicate site id {entry['id']!r}")
        if entry["level"] not in LEVELS:
            raise RegistryError(f"{path}: site {entry['id']!r}: level must be one of {'/'.join(LEVELS)}")
        unknown = set(entry) - set(Site.__dataclass_fields__)
        if unknown:
            raise RegistryError(f"{path}: site {entry['id']!r}: unknown field(s) {', '.join(sorted(unknown))}")
        seen.add(entry["id"])
        sites.append(Site(**entry))
    return sites


def get(site_id: str, path: str | Path = DEFAULT_PATH) -> Site:
    for site in load(path):
        if site.id == site_id:
            return site
    raise RegistryError(f"no site {site_id!r} in {path}")


def select(sites: list[Site], province: str | None = None, site_ids: list[str] | None = None) -> list[Site]:
    """The sites a run touches: by province (full name, short name or code) and/or ids."""
    chosen = sites
    if site_ids:
        known = {s.id for s in sites}
        unknown = [i for i in site_ids if i not in known]
        if unknown:
            raise RegistryError(f"unknown site id(s): {', '.join(unknown)}")
        chosen = [s for s in chosen if s.id in site_ids]
    if province:
        full = province_name(province)
        chosen = [s for s in chosen if s.province == full]
    return chosen


def province_name(text: str) -> str:
    """Full provincial-level name for a full name, short name (广西, 桂) or code (45, GX)."""
    full = resolve_province(text)
    if not full:
        raise RegistryError(f"unknown province {text!r}: give a full name (广西壮族自治区), short name (广西) or code (45)")
    return full


def _document(path: Path):
    """The registry as an editable TOML document: comments and layout survive an edit."""
    import tomlkit

    return tomlkit.parse(Path(path).read_text(encoding="utf-8"))


def add(site: Site, path: str | Path = DEFAULT_PATH) -> None:
    """Append a site to the registry file (an id already there is an error)."""
    import tomlkit

    path = Path(path)
    if any(s.id == site.id for s in load(path)):
        raise RegistryError(f"{path}: site id {site.id!r} exists already")
    doc = _document(path)
    table = tomlkit.table()
    for key, value in asdict(site).items():
        if value is not None:
            table.add(key, value)
    doc.setdefault("sites", tomlkit.aot()).append(table)
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")


def set_columns(site_id: str, columns: list[str], path: str | Path = DEFAULT_PATH, source: str | None = None) -> None:
    """Record the annual-report column(s) found for a site (by discovery or by hand)."""
    import tomlkit

    path = Path(path)
    doc = _document(path)
    for table in doc.get("sites", []):
        if table.get("id") == site_id:
            table["columns"] = list(columns)
            if source:
                table["source"] = f"{table.get('source', '')}; column: {source}".lstrip("; ")
            path.write_text(tomlkit.dumps(doc), encoding="utf-8")
            return
    raise RegistryError(f"no site {site_id!r} in {path}")
