"""When a sub-column (a year's list, a body's list) is walked again: harvester.recheck.list_due."""

from datetime import datetime, timezone

from harvester import recheck

SCHEDULE = recheck.parse_schedule(recheck.DEFAULT)
DECEMBER = datetime(2026, 12, 6, tzinfo=timezone.utc)
FEBRUARY = datetime(2027, 2, 10, tzinfo=timezone.utc)
HUB, SUB = "http://h/nb/2023/", "http://h/nb/2023/bm/"
BODY = "http://h/nb/bm/"


def walks(walked="2026-12-05", newest="2024-01-20", **extra):
    return {
        HUB: {"walked": walked, "newest": None, "year": 2023, "entries": [], "subcolumns": [SUB]},
        SUB: dict({"walked": walked, "newest": newest, "year": None, "entries": ["http://h/r1"], "subcolumns": []},
                  **extra),
    }


def test_an_old_years_list_waits_for_its_interval_and_never_walked_is_due():
    pages = {"http://h/r1": {"published": "2024-01-20", "due": False}}
    assert not recheck.list_due(HUB, walks(), pages, SCHEDULE, DECEMBER)
    assert not recheck.list_due(SUB, walks(), pages, SCHEDULE, DECEMBER, year=2023)
    assert recheck.list_due(HUB, walks(walked="2026-09-01"), pages, SCHEDULE, DECEMBER)  # 96 days: due
    assert recheck.list_due("http://h/nb/2025/", walks(), pages, SCHEDULE, DECEMBER)


def test_a_list_holding_a_due_report_or_a_young_one_is_due_and_so_is_its_parent():
    assert recheck.list_due(HUB, walks(), {"http://h/r1": {"published": "2024-01-20", "due": True}},
                            SCHEDULE, DECEMBER)
    young = walks(newest="2026-11-30")  # a report published a week ago: read on every run
    assert recheck.list_due(HUB, young, {}, SCHEDULE, DECEMBER)


def test_a_bodys_list_is_read_every_run_in_the_season_until_it_shows_this_years_report():
    body = {BODY: {"walked": "2027-02-09", "newest": "2026-01-25", "year": None, "entries": [], "subcolumns": []}}
    assert recheck.list_due(BODY, body, {}, SCHEDULE, FEBRUARY)
    assert not recheck.list_due(BODY, body, {}, SCHEDULE, datetime(2026, 12, 6, tzinfo=timezone.utc))
    body[BODY]["newest"] = "2027-01-28"  # this year's report is there: the usual schedule (young: every run)
    assert recheck.list_due(BODY, body, {}, SCHEDULE, FEBRUARY)
    # a year's list is no body's list: 2023's bodies inside 2023年度 gain nothing in 2027's season
    assert not recheck.list_due(HUB, walks(walked="2027-02-09"), {}, SCHEDULE, FEBRUARY)


def test_a_loop_of_lists_ends():
    loop = walks()
    loop[SUB]["subcolumns"] = [HUB]
    assert not recheck.list_due(HUB, loop, {}, SCHEDULE, DECEMBER)


def test_list_year_reads_link_texts_and_paths():
    assert [recheck.list_year(t) for t in ("2023年度", "/xxgk/xxgknb/2019/", "2023ndbg/", "部门", "t20240119_5.shtml")] \
        == [2023, 2019, 2023, None, None]
