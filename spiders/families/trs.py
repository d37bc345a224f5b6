"""TRS WCM (拓尔思): the most common CMS of gov.cn portals.

What this family does (spec/portals.md): lists at index.shtml, index_1.shtml, ... with the page
count only in a script call, `createPageHTML(9, 0, "index", "shtml")` (0-based) or the
6-argument Hubei form, `pageControl(...)`, `var countPage = 9`; a look-alike template calls
`createPageHTML('page_div', 5, 1, 'fg', 'shtml', 89)` 1-based (fg.shtml, fg_2.shtml, ...);
some lists are written by inline script (`var url = "./2026/t..."; title = "..."`).
"""

from __future__ import annotations

import re

from spiders.base import ReportSpider
from spiders.families.scriptlist import ScriptListMixin

ARG = r"\s*(?:'([^']*)'|\"([^\"]*)\"|(-?\d+))\s*"
PAGER_CALL = re.compile(r"\b(?:createPageHTML|pageControl)\s*\(((?:" + ARG + r",?)+)\)")
ARGS = re.compile(ARG)
COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*['\"]?(\d+)")
PAGE_FILE = re.compile(r"\b(index|default|list)\.(s?html?)\b")


def pager_pages(script: str, current_url: str) -> list[str]:
    """All list-page file names a TRS pager script describes (relative to the list directory)."""
    names: list[str] = []
    for m in PAGER_CALL.finditer(script):
        args = [a or b or c for a, b, c in ARGS.findall(m.group(1))]
        if len(args) >= 4 and not args[0].lstrip("-").isdigit():
            # 1-based look-alike: (div id, pages, current, prefix, ext, records)
            pages, prefix, ext = int(args[1]), args[3], args[4] if len(args) > 4 else "html"
            names += [f"{prefix}.{ext}"] + [f"{prefix}_{k}.{ext}" for k in range(2, pages + 1)]
        elif len(args) >= 4:
            pages, prefix, ext = int(args[0]), args[2], args[3]
            names += [f"{prefix}.{ext}"] + [f"{prefix}_{k}.{ext}" for k in range(1, pages)]
    if not names:
        m = COUNT_PAGE.search(script)
        if m:
            prefix, ext = page_file_pattern(script, current_url)
            names = [f"{prefix}.{ext}"] + [f"{prefix}_{k}.{ext}" for k in range(1, int(m.group(1)))]
    return names


def page_file_pattern(script: str, current_url: str) -> tuple[str, str]:
    """(prefix, extension) of list pages: as the pager script writes its links (index.shtml),
    else as the current URL ends, else TRS's default index.html."""
    m = PAGE_FILE.search(script)
    if m:
        return m.group(1), m.group(2)
    path = current_url.split("?", 1)[0].rsplit("/", 1)[-1]
    m = PAGE_FILE.fullmatch(path) or PAGE_FILE.fullmatch(re.sub(r"_\d+(?=\.)", "", path))
    return (m.group(1), m.group(2)) if m else ("index", "html")


class TRSSpider(ScriptListMixin, ReportSpider):
    """Base spider of TRS WCM portals (lists written by inline script: see ScriptListMixin)."""

    name = "trs"

    @classmethod
    def recognizes(cls, url, html):
        return bool(PAGER_CALL.search(html) or COUNT_PAGE.search(html) or "TRS_Editor" in html
                    or re.search(r"/t\d{8}_\d+\.s?html", html))

    def page_urls(self, response):
        script = "\n".join(response.xpath("//script/text()").getall())
        names = pager_pages(script, response.url)
        if names:
            return [response.urljoin(n) for n in names]
        return list(super().page_urls(response))
