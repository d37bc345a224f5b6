"""When a stored report page is fetched again: a schedule that follows the report's age.

A report is most often corrected in its first months (a wrong figure noticed, a table
re-posted); years later it rarely changes. So a re-crawl asks again for a young report on
every run and for an old one only now and then. The schedule is a list of (age limit in days,
interval in days): the first limit the report's age is under gives how long after its last
check it is due again. The default, `HARVESTER_RECHECK = "90:0,365:7,*:90"`, reads:

- published under 90 days ago: checked on every run;
- under a year ago: when its last check is a week old;
- older: when its last check is 90 days old.

A page whose publication date is unknown counts as young; a page never checked is due.
`harvester crawl --recheck-all` (or --full) checks every known page whatever the schedule.

Sub-columns (a column split by year, 2021年度, or by body, 部门 / 乡镇街道) follow the same
schedule (`list_due`): a list is walked again when it is due by the age of the newest report
it showed (a year's list with no dated entry: the end of the year after), when a report it
listed or a list it links is due, or when it was never walked. A list not named for a year (a
body's list, which gains a report every year) is also walked on every run in the reporting
season (January to March) until it shows a report published this year. The column itself is
read on every run. `--recheck-all` and `--full` walk every list.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

DEFAULT = "90:0,365:7,*:90"
# Months in which new annual reports appear (due by 31 January; late ones into March).
SEASON = (1, 2, 3)
YEAR = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)")


class ScheduleError(ValueError):
    """A HARVESTER_RECHECK value that does not read as AGE:INTERVAL pairs."""


def parse_schedule(text: str) -> list[tuple[float, float]]:
    """"90:0,365:7,*:90" → [(90, 0), (365, 7), (inf, 90)]."""
    steps = []
    for part in (text or DEFAULT).split(","):
        age, sep, interval = part.strip().partition(":")
        try:
            steps.append((float("inf") if age.strip() == "*" else float(age), float(interval)))
        except ValueError:
            raise ScheduleError(f"HARVESTER_RECHECK: {part.strip()!r} is not AGE_DAYS:INTERVAL_DAYS "
                                f"(e.g. {DEFAULT})") from None
        if not sep or steps[-1][1] < 0:
            raise ScheduleError(f"HARVESTER_RECHECK: {part.strip()!r} is not AGE_DAYS:INTERVAL_DAYS (e.g. {DEFAULT})")
    if steps[-1][0] != float("inf"):
        steps.append((float("inf"), steps[-1][1]))
    return sorted(steps)


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def due(published: str | None, last_checked: str | None, schedule: list[tuple[float, float]],
        now: datetime | None = None) -> bool:
    """Whether a stored page is to be fetched again on this run."""
    today = (now or datetime.now(timezone.utc)).date()
    checked = _day(last_checked)
    if checked is None:
        return True
    born = _day(published)
    age = (today - born).days if born else 0
    for limit, interval in schedule:
        if age < limit:
            return (today - checked).days >= interval
    return True


def list_year(text: str | None) -> int | None:
    """The year a sub-column is named for ("2023年度", "2021年", "/2023/", "2023ndbg/"), if any."""
    m = YEAR.search(text or "")
    return int(m.group(1)) if m else None


def list_due(url: str, lists: dict[str, dict], pages: dict[str, dict], schedule: list[tuple[float, float]],
             now: datetime | None = None, year: int | None = None, _path: frozenset = frozenset()) -> bool:
    """Whether a sub-column is walked again on this run.

    `lists`: {url: {"walked", "newest", "year", "entries", "subcolumns"}} as earlier walks left
    them (harvester.store.known_lists); `pages`: the site's stored pages with their "due" marks;
    `year`: the year of the list that links this one (a body's list inside 2023年度 is of 2023).
    """
    walk = lists.get(url)
    if walk is None or url in _path:
        return walk is None  # never walked; a loop of lists is judged where it started
    today = (now or datetime.now(timezone.utc)).date()
    year = walk.get("year") or year
    entries = [pages[u] for u in walk.get("entries", ()) if u in pages]
    if any(e.get("due") for e in entries):
        return True
    dates = [d for d in [walk.get("newest"), *(e.get("published") for e in entries)] if d]
    newest = max(dates) if dates else (f"{year + 1}-12-31" if year else None)
    if year is None and today.month in SEASON and (newest or "") < f"{today.year}-01-01":
        return True  # a body's list in the reporting season, without this year's report yet
    if due(newest, walk.get("walked"), schedule, now):
        return True
    path = _path | {url}
    return any(list_due(sub, lists, pages, schedule, now, year, path) for sub in walk.get("subcolumns", ()))
