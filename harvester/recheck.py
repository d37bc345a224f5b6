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
"""

from __future__ import annotations

from datetime import date, datetime, timezone

DEFAULT = "90:0,365:7,*:90"


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
