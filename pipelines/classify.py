"""Stage 2: report or not? The page itself decides, the list title only breaks a tie.

Lists mix reports with notices about reports, 图解 and 工作要点; the spider already skips
titles that are plainly not reports, and here a fetched page whose content is not a report is
marked "not_report" (stored apart, not lost). A page the parser could not read (parse_status
"failed") says nothing about itself, so its listing title decides: a report that the parser
trips on is still stored as a report, with its failure.
"""

from __future__ import annotations

from harvester.items import ReportPage
from harvester.report import looks_like_report_title


class ClassifyPipeline:
    def process_item(self, item):
        if not isinstance(item, ReportPage):
            return item
        parsed = item.parsed or {}
        verdict = parsed.get("is_report")
        if verdict is None or parsed.get("parse_status") == "failed":  # trust the listing's title
            verdict = bool(item.title and looks_like_report_title(item.title))
        item.kind = "report" if verdict else "not_report"
        return item
