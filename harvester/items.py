"""What spiders hand to the pipelines.

Spiders only fetch: they yield the page as bytes with where it came from. Decoding, parsing,
deduplication and storage are the pipelines' work, so a page can be re-parsed later from what
was stored, and no spider needs to know the report format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone


def utcnow() -> str:
    """ISO timestamp in UTC, second precision: what every table stores."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class ReportPage:
    """A fetched page that its listing called a report (the parse stage confirms or rejects)."""

    url: str
    site_id: str
    agency: str  # the agency of the portal it was found on (the registry's)
    province: str
    body: bytes
    content_type: str | None = None
    status: int = 200
    title: str | None = None  # as the list showed it
    year: int | None = None  # as the list title says
    published: str | None = None  # as the list showed it (YYYY-MM-DD)
    list_url: str | None = None
    attachments: list[dict] = field(default_factory=list)  # {"url", "name"}
    twins: list[str] = field(default_factory=list)  # mobile/print twins the page links to
    aliases: list[str] = field(default_factory=list)  # other addresses of this very page
    headers: dict[str, str] = field(default_factory=dict)  # ETag, Last-Modified
    fetched_at: str = field(default_factory=utcnow)
    # Filled by the pipelines, never by spiders:
    html: str | None = None
    parsed: dict | None = None
    kind: str | None = None  # "report" | "not_report"
    report_id: str | None = None
    agency_id: str | None = None  # harvester.agencies: a division code, or code-key of a body
    agency_kind: str | None = None  # government / department / town / zone / other
    agency_parent: str | None = None  # the government's code a body was found under
    canonical_url: str | None = None
    content_hash: str | None = None
    text: str | None = None  # the report's text without page chrome
    signature: bytes | None = None  # its MinHash (harvester.neardup)
    # Attachments fetched and read for this report (pipelines/files.py): {"url", "name",
    # "body", "content_type", "status", "reason"}; and which one gave the tables (its URL).
    files: list[dict] = field(default_factory=list)
    tables_from: str | None = None


@dataclass
class FetchError:
    """A link that could not be fetched: recorded so nothing is silently lost."""

    url: str
    site_id: str
    reason: str
    status: int | None = None
    list_url: str | None = None
    title: str | None = None
    fetched_at: str = field(default_factory=utcnow)


@dataclass
class ColumnFound:
    """Discovery found a site's annual-report column (recorded in the registry after the run)."""

    site_id: str
    url: str
    via: str  # the page that linked it
    family: str | None = None  # the CMS family found at the column, for a site that had none



@dataclass
class Unchanged:
    """A known report page that answered 304 Not Modified, or that its list still shows and
    that is not due for a check: only its last_seen (and last_checked) move."""

    url: str
    site_id: str
    fetched_at: str = field(default_factory=utcnow)
    checked: bool = True  # asked and answered 304; False: listed, not due for a check
