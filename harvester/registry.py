"""The site registry: every portal the harvester knows, one CSV row each (data/sites.csv).

Why CSV: one row per portal, so a diff shows one line per changed site even at 3,208 rows;
it opens in any spreadsheet or text editor; and the standard library reads it fast (all 3,208
rows load and validate in 40 ms on the project's idle 2-core machine, 100 ms while other jobs
share it; tests/test_registry.py prints the figure). TOML spread one site over a dozen lines
and needed a third-party library to write it back without losing comments.

Columns (the header names them; their order is the file's, kept on every write):

    id            site id: `harvester crawl --site ID`; a government's division code for rows
                  imported from the national list, a readable name for older hand-made rows
    code          6-digit administrative division code of a government (empty for a
                  department or zone site)
    agency        the body whose portal it is, in full (柳州市柳南区人民政府)
    level         province / prefecture / county / department / zone
    parent        the division code of the government above (empty for a province)
    province      full provincial-level name (广西壮族自治区)
    homepage      portal homepage (empty where no address is known: never guessed)
    alt_homepage  other addresses another source gives, space-separated
    columns       annual-report column URLs, space-separated (empty: found by discovery)
    family        CMS family (trs, jcms, vsb, gkmlpt, ...; empty: generic)
    spider        a per-site spider name (empty: the family's spider)
    verified      true once a live run confirmed homepage and column, else false
    source        where the row's facts came from

This module reads, validates, filters, writes and imports the file; it knows nothing of
Scrapy or SQLite (except `stats`, which reads a harvest database if one is given).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from harvester.provinces import PROVINCES, resolve_province

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "sites.csv"
FIELDS = ("id", "code", "agency", "level", "parent", "province", "homepage", "alt_homepage",
          "columns", "family", "spider", "verified", "source")
LEVELS = ("province", "prefecture", "county", "department", "zone")
# How the levels read in Chinese (labels for display; the file and the database store the English).
LEVEL_LABELS = {"province": "省", "prefecture": "市", "county": "县", "department": "部门", "zone": "开发区"}
GOVERNMENT_LEVELS = ("province", "prefecture", "county")
REQUIRED = ("id", "agency", "level", "province", "verified", "source")
LIST_FIELDS = ("alt_homepage", "columns")
PROVINCE_NAMES = {p[0] for p in PROVINCES}
CODE = re.compile(r"\d{6}")
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class RegistryError(ValueError):
    """The registry file is missing or malformed, or a request on it is wrong; one line saying where."""


@dataclass
class Site:
    id: str
    agency: str
    province: str
    level: str
    homepage: str = ""
    columns: list[str] = field(default_factory=list)
    code: str = ""
    parent: str = ""
    alt_homepage: list[str] = field(default_factory=list)
    family: str = "generic"
    spider: str = "generic"
    verified: bool = False
    source: str | None = None

    @property
    def is_government(self) -> bool:
        return self.level in GOVERNMENT_LEVELS

    @property
    def crawlable(self) -> bool:
        """A run can start only from a column or a homepage (3 governments have neither known)."""
        return bool(self.columns or self.homepage)

    def as_row(self) -> dict:
        """The `sites` table row: lists as JSON text."""
        row = asdict(self)
        row["columns"] = json.dumps(self.columns, ensure_ascii=False)
        row["alt_homepage"] = json.dumps(self.alt_homepage, ensure_ascii=False)
        return row


# --- reading ------------------------------------------------------------------------------------
_cache: dict[str, tuple[tuple, list[Site]]] = {}


def load(path: str | Path = DEFAULT_PATH) -> list[Site]:
    """Read and validate the registry; a one-line RegistryError naming file and line on any problem.

    Parsed files are cached by (size, mtime), so a run whose every spider calls `get` reads the
    file once; callers get their own Site objects.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise RegistryError(f"registry not found: {path}") from None
    except OSError as e:
        raise RegistryError(f"cannot read registry {path}: {e.strerror}") from None
    key, stamp = str(path.resolve()), (st.st_size, st.st_mtime_ns)
    cached = _cache.get(key)
    if cached is None or cached[0] != stamp:
        _, rows, _ = _read(path)
        cached = (stamp, _sites(path, rows))
        _cache[key] = cached
    return [_copy(s) for s in cached[1]]


def _copy(site: Site) -> Site:
    new = Site.__new__(Site)
    new.__dict__.update(site.__dict__)
    new.columns, new.alt_homepage = list(site.columns), list(site.alt_homepage)
    return new


def _read(path: Path) -> tuple[list[str], list[tuple[int, dict]], str]:
    """(header, [(line number, raw row)], line terminator) with the file's own spelling of every cell."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RegistryError(f"registry not found: {path}") from None
    except OSError as e:
        raise RegistryError(f"cannot read registry {path}: {e.strerror}") from None
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet may save a byte-order mark
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise RegistryError(f"{path}:{line}: not UTF-8 (byte {e.start}); save the file as UTF-8") from None
    newline = "\r\n" if "\r\n" in text[:4096] else "\n"
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise RegistryError(f"{path}:1: empty file: the first line must name the columns ({','.join(FIELDS)})")
        unknown = [h for h in header if h not in FIELDS]
        if unknown:
            raise RegistryError(f"{path}:1: unknown column(s) {', '.join(map(repr, unknown))}; "
                                f"the columns are {','.join(FIELDS)}")
        missing = [f for f in FIELDS if f not in header]
        if missing:
            raise RegistryError(f"{path}:1: missing column(s) {', '.join(missing)}")
        if len(set(header)) != len(header):
            raise RegistryError(f"{path}:1: a column is named twice")
        rows, line = [], reader.line_num + 1
        for cells in reader:
            if cells and len(cells) != len(header):
                raise RegistryError(f"{path}:{line}: {len(cells)} cells where the header has {len(header)}"
                                    " (a comma inside a value needs quotes)")
            if cells:
                rows.append((line, dict(zip(header, cells))))
            line = reader.line_num + 1
    except csv.Error as e:
        raise RegistryError(f"{path}:{reader.line_num}: not valid CSV: {e}") from None
    return header, rows, newline


def _sites(path: Path, rows: list[tuple[int, dict]]) -> list[Site]:
    sites, seen = [], {}
    for line, raw in rows:
        site = _site(path, line, raw)
        if site.id in seen:
            raise RegistryError(f"{path}:{line}: duplicate id {site.id!r} (first on line {seen[site.id]})")
        seen[site.id] = line
        sites.append(site)
    by_code: dict[str, int] = {}
    for (line, _), site in zip(rows, sites):
        if site.code:
            if site.code in by_code:
                raise RegistryError(f"{path}:{line}: duplicate code {site.code} (first on line {by_code[site.code]})")
            by_code[site.code] = line
    return sites


def _site(path: Path, line: int, raw: dict) -> Site:
    """One validated Site from one row of strings."""
    where = f"{path}:{line}"
    row = {k: (v or "").strip() for k, v in raw.items()}
    missing = [k for k in REQUIRED if not row[k]]
    if missing:
        raise RegistryError(f"{where}: empty {', '.join(missing)}")
    if not ID.fullmatch(row["id"]):
        raise RegistryError(f"{where}: id {row['id']!r} must be letters, digits, '-', '_' or '.'")
    if row["level"] not in LEVELS:
        raise RegistryError(f"{where}: level {row['level']!r} must be one of {'/'.join(LEVELS)}")
    if row["province"] not in PROVINCE_NAMES:
        raise RegistryError(f"{where}: province {row['province']!r} is not a full provincial name (广西壮族自治区)")
    for key in ("code", "parent"):
        if row[key] and not CODE.fullmatch(row[key]):
            raise RegistryError(f"{where}: {key} {row[key]!r} must be a 6-digit division code")
    if row["level"] in GOVERNMENT_LEVELS and not row["code"]:
        raise RegistryError(f"{where}: a {row['level']} government needs its division code")
    if row["level"] not in GOVERNMENT_LEVELS and not row["parent"]:
        raise RegistryError(f"{where}: a {row['level']} row needs the code of its parent government")
    if row["verified"] not in ("true", "false"):
        raise RegistryError(f"{where}: verified must be true or false, not {row['verified']!r}")
    if row["homepage"]:
        _check_url(where, "homepage", row["homepage"])
    lists = {}
    for key in LIST_FIELDS:
        lists[key] = row[key].split()
        for url in lists[key]:
            _check_url(where, key, url, listed=True)
    return Site(id=row["id"], agency=row["agency"], province=row["province"], level=row["level"],
                homepage=row["homepage"], columns=lists["columns"], code=row["code"], parent=row["parent"],
                alt_homepage=lists["alt_homepage"], family=row["family"] or "generic",
                spider=row["spider"] or "generic", verified=row["verified"] == "true", source=row["source"])


def _check_url(where: str, key: str, url: str, listed: bool = False) -> None:
    if "," in url or ";" in url:
        raise RegistryError(f"{where}: {key} must be URLs separated by spaces, not {url!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        what = "URLs" if listed else "a URL"
        raise RegistryError(f"{where}: {key} must be {what} starting with http:// or https://, not {url!r}")


# --- looking up ---------------------------------------------------------------------------------
def get(site_id: str, path: str | Path = DEFAULT_PATH) -> Site:
    for site in load(path):
        if site.id == site_id:
            return site
    raise RegistryError(f"no site {site_id!r} in {path}")


def select(sites: list[Site], province: str | None = None, site_ids: list[str] | None = None,
           level: str | None = None, code: str | None = None) -> list[Site]:
    """The sites a run touches: by province (full name, short name or code), ids, level
    (English or 省/市/县/部门/开发区) and division-code prefix ("4502" = all of 柳州市; a
    department or zone counts under its parent's code)."""
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
    if level:
        wanted = level_name(level)
        chosen = [s for s in chosen if s.level == wanted]
    if code:
        prefix = code.strip()
        if not re.fullmatch(r"\d{1,6}", prefix):
            raise RegistryError(f"code {code!r} must be 1 to 6 digits of a division code (4502 = 柳州市)")
        chosen = [s for s in chosen if (s.code or s.parent).startswith(prefix)]
    return chosen


def level_name(text: str) -> str:
    """The stored level for an English name or its Chinese label (县 → county)."""
    key = (text or "").strip().lower()
    if key in LEVELS:
        return key
    for name, label in LEVEL_LABELS.items():
        if text.strip() == label:
            return name
    raise RegistryError(f"unknown level {text!r}: one of {'/'.join(LEVELS)} (or {'/'.join(LEVEL_LABELS.values())})")


def province_name(text: str) -> str:
    """Full provincial-level name for a full name, short name (广西, 桂) or code (45, GX)."""
    full = resolve_province(text)
    if not full:
        raise RegistryError(f"unknown province {text!r}: give a full name (广西壮族自治区), short name (广西) or code (45)")
    return full


# --- writing ------------------------------------------------------------------------------------
def _row_of(site: Site) -> dict:
    """A Site as a row of strings, in the file's conventions (empty family/spider: generic)."""
    _check_lists(site)
    return {
        "id": site.id, "code": site.code or "", "agency": site.agency, "level": site.level,
        "parent": site.parent or "", "province": site.province, "homepage": site.homepage or "",
        "alt_homepage": " ".join(site.alt_homepage), "columns": " ".join(site.columns),
        "family": "" if site.family in (None, "", "generic") else site.family,
        "spider": "" if site.spider in (None, "", "generic") else site.spider,
        "verified": "true" if site.verified else "false", "source": site.source or "",
    }


def _check_lists(site: Site) -> None:
    for key in LIST_FIELDS:
        value = getattr(site, key)
        if not isinstance(value, (list, tuple)) or not all(isinstance(u, str) for u in value):
            raise RegistryError(f"site {site.id!r}: {key} must be a list of URLs, not {type(value).__name__} {value!r}")


def _write(path: Path, header: list[str], rows: list[dict], newline: str) -> None:
    """Rewrite the file in one step (a temporary file renamed over it), rows in the given order."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator=newline, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    fd, tmp = tempfile.mkstemp(prefix=".sites-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(buffer.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _checked(path: Path, header: list[str], rows: list[dict]) -> None:
    """Validate rows as `load` would, before they are written (a bad write never lands)."""
    _sites(path, [(n, r) for n, r in enumerate(rows, 2)])


def add(site: Site, path: str | Path = DEFAULT_PATH) -> None:
    """Append a site to the registry file (an id already there is an error)."""
    path = Path(path)
    header, rows, newline = _read(path)
    _sites(path, rows)
    if any(r["id"] == site.id for _, r in rows):
        raise RegistryError(f"{path}: site id {site.id!r} exists already")
    new = [r for _, r in rows] + [_row_of(site)]
    try:
        _checked(path, header, new)
    except RegistryError as e:
        raise RegistryError(f"cannot add {site.id!r}: {str(e).split(': ', 1)[1]}") from None
    _write(path, header, new, newline)


def set_columns(site_id: str, columns: list[str], path: str | Path = DEFAULT_PATH, source: str | None = None,
                family: str | None = None) -> None:
    """Record the annual-report column(s) found for a site (by discovery or by hand), and the
    CMS family if one was detected and the row has none; every other row is written as it was."""
    set_columns_many({site_id: (columns, family)}, path, source)


def set_columns_many(found: dict[str, tuple[list[str], str | None]], path: str | Path = DEFAULT_PATH,
                     source: str | None = None) -> None:
    """set_columns for many sites in one read and one write of the file (a national run's
    discoveries: thousands of rows, one rewrite)."""
    for site_id, (columns, _family) in found.items():
        if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
            raise RegistryError(f"columns of {site_id!r} must be a list of URLs, not {columns!r}")
    if not found:
        return
    path = Path(path)
    header, rows, newline = _read(path)
    left = set(found)
    for line, row in rows:
        if row["id"] not in left:
            continue
        left.discard(row["id"])
        columns, family = found[row["id"]]
        row["columns"] = " ".join(columns)
        if source:
            row["source"] = f"{row['source']}; column: {source}".lstrip("; ")
        if family and family != "generic" and not row["family"]:
            row["family"] = family
        try:
            _site(path, line, row)
        except RegistryError as e:
            raise RegistryError(f"cannot set the columns of {row['id']!r}: {str(e).split(': ', 1)[1]}") from None
    if left:
        raise RegistryError(f"no site {', '.join(map(repr, sorted(left)))} in {path}")
    _write(path, header, [r for _, r in rows], newline)


# --- import from a list of governments ----------------------------------------------------------
IMPORT_FIELDS = ("code", "name", "level", "parent_code", "province", "homepage")  # + alt_homepage, sources_agree


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)       # ids of new rows
    updated: list[str] = field(default_factory=list)     # ids whose level/parent/province changed
    new_addresses: list[str] = field(default_factory=list)  # ids that got another homepage recorded
    unchanged: int = 0

    def lines(self) -> list[str]:
        out = [f"added {len(self.added)}, updated {len(self.updated)}, "
               f"new addresses recorded {len(self.new_addresses)}, unchanged {self.unchanged}"]
        for label, ids in (("added", self.added), ("updated", self.updated), ("new address", self.new_addresses)):
            if ids:
                out.append(f"  {label}: {', '.join(ids[:20])}" + (f" ... and {len(ids) - 20} more" if len(ids) > 20 else ""))
        return out


def full_name(row: dict, by_code: dict[str, dict]) -> str:
    """The agency of a division: 柳南区 → 柳州市柳南区人民政府 (a district is named with its city,
    as it names itself), 永胜县 → 永胜县人民政府, 地区/盟 → …行政公署."""
    name = row["name"]
    if row["level"] == "prefecture" and name.endswith(("地区", "盟")):
        return name + "行政公署"
    parent = by_code.get(row["parent_code"])
    if row["level"] == "county" and name.endswith("区") and parent and parent["level"] in ("prefecture", "province"):
        return parent["name"] + name + "人民政府"
    return name + "人民政府"


def clean_url(url: str | None) -> str:
    """A homepage as given, or '' when it is not one plain http(s) URL (lists carry garbage:
    two URLs in one cell, Chinese text, stray quotes)."""
    url = (url or "").strip()
    m = re.match(r"https?://[A-Za-z0-9.-]+(:\d+)?/?[\x21-\x7e]*", url)
    if not m or m.group(0) != url or "," in url or ";" in url:
        return ""
    return url


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def import_csv(csv_path: str | Path, path: str | Path = DEFAULT_PATH, source: str | None = None,
               dry_run: bool = False) -> ImportResult:
    """Merge a list of governments (the columns of gov-portals.csv: code, name, level,
    parent_code, province, homepage, alt_homepage, sources_agree) into the registry.

    A new code becomes a new row (id = code, full agency name, unverified). A code already in
    the registry keeps its id, agency, columns, family, spider, verified and homepage; its level,
    parent and province follow the list; a homepage the registry does not have yet is added to
    alt_homepage with the list's source, never written over the one in use. Rows stay in their
    order; new rows go before the first row with a larger code, so importing the same list
    twice changes nothing.
    """
    csv_path, path = Path(csv_path), Path(path)
    label = source or f"{csv_path.name} 2024"
    incoming = _read_import(csv_path)
    by_code = {r["code"]: r for r in incoming}
    header, rows, newline = _read(path)
    _sites(path, rows)
    current = [r for _, r in rows]
    index = {r["code"]: r for r in current if r["code"]}
    result = ImportResult()
    new_rows = []
    for r in incoming:
        home, alt = clean_url(r["homepage"]), clean_url(r.get("alt_homepage"))
        src = f"{label} (homepage sources agree: {r.get('sources_agree') or 'not said'})"
        have = index.get(r["code"])
        if have is None:
            new_rows.append({
                "id": r["code"], "code": r["code"], "agency": full_name(r, by_code), "level": r["level"],
                "parent": r["parent_code"], "province": r["province"], "homepage": home, "alt_homepage": alt,
                "columns": "", "family": "", "spider": "", "verified": "false", "source": src})
            result.added.append(r["code"])
            continue
        changed = False
        for key, value in (("level", r["level"]), ("parent", r["parent_code"]), ("province", r["province"])):
            if have[key] != value:
                have[key], changed = value, True
        if changed:
            result.updated.append(have["id"])
        known = {_host(u) for u in [have["homepage"], *have["alt_homepage"].split()] if u}
        fresh = []
        for url in (home, alt):
            if url and _host(url) not in known:
                known.add(_host(url))
                fresh.append(url)
        if fresh and not have["homepage"]:  # filling a blank is not overwriting
            have["homepage"] = fresh.pop(0)
            have["source"] = f"{have['source']}; homepage {have['homepage']}: {src}".lstrip("; ")
            result.new_addresses.append(have["id"])
        if fresh:
            have["alt_homepage"] = " ".join([*have["alt_homepage"].split(), *fresh])
            have["source"] = f"{have['source']}; alt_homepage {' '.join(fresh)}: {src}".lstrip("; ")
            if have["id"] not in result.new_addresses:
                result.new_addresses.append(have["id"])
        if not changed and not fresh:
            result.unchanged += 1
    merged = _insert_in_code_order(current, new_rows)
    _checked(path, header, merged)
    if (result.added or result.updated or result.new_addresses) and not dry_run:
        _write(path, header, merged, newline)
    return result


def _insert_in_code_order(current: list[dict], new_rows: list[dict]) -> list[dict]:
    """Each new row before the first existing row whose code (or, for a department, its
    parent's code) sorts after it; existing rows never move."""
    new_rows = sorted(new_rows, key=lambda r: r["code"])
    out, i = [], 0
    for row in current:
        key = row["code"] or row["parent"]
        while i < len(new_rows) and new_rows[i]["code"] < key:
            out.append(new_rows[i])
            i += 1
        out.append(row)
    out.extend(new_rows[i:])
    return out


def _read_import(csv_path: Path) -> list[dict]:
    """The rows of a gov-portals.csv-shaped file, checked; a RegistryError naming file and line."""
    try:
        text = csv_path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise RegistryError(f"no such file: {csv_path}") from None
    except UnicodeDecodeError as e:
        raise RegistryError(f"{csv_path}: not UTF-8 (byte {e.start}); save the file as UTF-8") from None
    except OSError as e:
        raise RegistryError(f"cannot read {csv_path}: {e.strerror}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [f for f in IMPORT_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise RegistryError(f"{csv_path}:1: missing column(s) {', '.join(missing)}; "
                                f"expected {','.join(IMPORT_FIELDS)},alt_homepage,sources_agree")
        rows, seen = [], {}
        for row in reader:
            line = reader.line_num
            if None in row:
                raise RegistryError(f"{csv_path}:{line}: more cells than the header has")
            row = {k: (v or "").strip() for k, v in row.items()}
            if not CODE.fullmatch(row["code"]):
                raise RegistryError(f"{csv_path}:{line}: code {row['code']!r} must be a 6-digit division code")
            if row["code"] in seen:
                raise RegistryError(f"{csv_path}:{line}: duplicate code {row['code']} (first on line {seen[row['code']]})")
            seen[row["code"]] = line
            if row["level"] not in GOVERNMENT_LEVELS:
                raise RegistryError(f"{csv_path}:{line}: level {row['level']!r} must be one of {'/'.join(GOVERNMENT_LEVELS)}")
            if row["parent_code"] and not CODE.fullmatch(row["parent_code"]):
                raise RegistryError(f"{csv_path}:{line}: parent_code {row['parent_code']!r} must be a 6-digit code")
            if row["province"] not in PROVINCE_NAMES:
                raise RegistryError(f"{csv_path}:{line}: province {row['province']!r} is not a full provincial name")
            if not row["name"]:
                raise RegistryError(f"{csv_path}:{line}: empty name")
            rows.append(row)
    except csv.Error as e:
        raise RegistryError(f"{csv_path}:{reader.line_num}: not valid CSV: {e}") from None
    return rows


# --- listing and counting -----------------------------------------------------------------------
def list_sites(path: str | Path = DEFAULT_PATH, province: str | None = None, level: str | None = None,
               code: str | None = None) -> list[Site]:
    """`harvester registry list`: the registry rows matching the filters, in file order."""
    return select(load(path), province=province, level=level, code=code)


def _province_order(name: str) -> int:
    return next((i for i, p in enumerate(PROVINCES) if p[0] == name), len(PROVINCES))


def last_crawls(db: str | Path) -> tuple[dict[str, str], str | None]:
    """({site id: when its last run started}, why nothing was read) from a harvest database.

    Read-only: a missing file is never created, and a file that is not a harvest (no
    crawl_runs/crawl_sites tables) gives nothing, with the reason.
    """
    db = Path(db)
    if not db.is_file():
        return {}, f"no harvest database at {db}"
    try:
        con = sqlite3.connect(f"file:{db.resolve()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}
            if not {"crawl_runs", "crawl_sites"} <= tables:
                return {}, f"{db} is not a harvest database (no crawl_runs/crawl_sites tables)"
            found = dict(con.execute(
                "select s.site_id, max(r.started) from crawl_sites s join crawl_runs r on r.id = s.run_id "
                "group by s.site_id"))
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        return {}, f"{db} is not a harvest database ({e})"
    return found, None


def stats(path: str | Path = DEFAULT_PATH, db: str | Path | None = None) -> dict:
    """`harvester registry stats`: per province and level, how many rows, with a known column,
    verified, crawled (in `db`, if it is a harvest) and when last; with per-level and overall totals."""
    sites = load(path)
    crawled, note = last_crawls(db) if db else ({}, None)
    groups: dict[tuple[str, str], dict] = {}

    def bump(key, site):
        g = groups.setdefault(key, {"province": key[0], "level": key[1], "rows": 0, "with_column": 0,
                                    "verified": 0, "crawled": 0, "last_crawled": None})
        g["rows"] += 1
        g["with_column"] += bool(site.columns)
        g["verified"] += site.verified
        when = crawled.get(site.id)
        if when:
            g["crawled"] += 1
            g["last_crawled"] = max(g["last_crawled"] or "", when)

    for site in sites:
        bump((site.province, site.level), site)
        bump(("all", site.level), site)
        bump(("all", "all"), site)
    order = {lv: i for i, lv in enumerate(LEVELS + ("all",))}
    rows = sorted(groups.values(), key=lambda g: (g["province"] == "all", _province_order(g["province"]),
                                                  order[g["level"]]))
    return {"registry": str(path), "db": str(db) if db and not note else None, "note": note, "rows": rows}


def stats_lines(result: dict) -> list[str]:
    """The stats as a fixed-width table for a terminal."""
    head = ("province", "level", "rows", "column", "verified", "crawled", "last crawled")
    table = [head] + [(g["province"], g["level"], g["rows"], g["with_column"], g["verified"], g["crawled"],
                       g["last_crawled"] or "") for g in result["rows"]]

    def width(s) -> int:  # CJK characters take two columns in a terminal
        return sum(2 if ord(c) > 0x2E80 else 1 for c in str(s))

    widths = [max(width(r[i]) for r in table) for i in range(len(head))]
    out = []
    for r in table:
        cells = []
        for i, value in enumerate(r):
            pad = " " * (widths[i] - width(value))
            cells.append(f"{pad}{value}" if isinstance(value, int) else f"{value}{pad}")
        out.append("  ".join(cells).rstrip())
    if result["note"]:
        out.append(f"last crawled: {result['note']}")
    return out
