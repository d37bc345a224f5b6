"""Parsing of 政府信息公开工作年度报告 pages into the canonical report dict (pure: no I/O).

    from harvester.report import parse
    result = parse(page_bytes, url=url, content_type=content_type)   # an HTML page or text
    result = parse_bytes(body, url=url, content_type=content_type)   # any file: PDF, Office, scans
    html = readable_html(body, content_type, url=url)                 # what is read of a page


See shared/spec/report-format.md for the keys and rules.
"""

from .decode import decode_html
from .errors import ParseError
from .meta import looks_like_report_title, year_from_title
from .parse import parse, readable_html
from .files import parse_bytes

__all__ = ["parse", "parse_bytes", "decode_html", "readable_html", "looks_like_report_title", "year_from_title", "ParseError"]
