"""The five real seed pages parse to the hand-checked truth, cell by cell (shared/golden)."""

import json
from pathlib import Path

import pytest

from harvester.report import parse

SHARED = Path(__file__).parents[2].parent / "shared"
GOLDEN = SHARED / "golden" / "seeds.json"
SEEDS = SHARED / "seeds"
NAMES = sorted(json.loads(GOLDEN.read_text(encoding="utf-8"))) if GOLDEN.exists() else []
TABLES = ("active_disclosure", "applications", "reviews_litigation")

pytestmark = pytest.mark.skipif(not GOLDEN.exists(), reason=f"no golden file at {GOLDEN}: shared/ must sit beside the repo")


def _cells(section: dict | None) -> dict:
    if section is None:
        return {None: None}
    out = {}
    for key, value in section.items():
        if isinstance(value, dict):
            out.update({f"{key}/{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


@pytest.mark.parametrize("name", NAMES)
def test_seed_matches_golden(name, golden):
    truth = golden[name]
    got = parse((SEEDS / name).read_bytes())
    assert got["is_report"] is True
    assert got["parse_status"] == "ok", got["parse_reason"]
    for key, want in truth.items():
        if key in TABLES:
            assert got[key] is not None, key
            want_cells, got_cells = _cells(want), _cells(got[key])
            assert list(got_cells) == list(want_cells), f"{key}: keys differ"
            wrong = {k: (v, got_cells[k]) for k, v in want_cells.items()
                     if got_cells[k] != v or type(got_cells[k]) is not type(v)}
            assert not wrong, f"{key}: (want, got) {wrong}"
        elif key == "title" and want is None:
            # the page prints no title line (the golden null): the parser composes one and says so
            assert got["title_composed"] is True
            assert got["title"] == f"{truth['agency']}{truth['year']}年政府信息公开工作年度报告"
        else:
            assert got[key] == want, f"{key}: want {want!r}, got {got[key]!r}"
    if truth.get("title"):
        assert got["title_composed"] is False


def test_result_keys_in_contract_order():
    got = parse((SEEDS / NAMES[0]).read_bytes())
    assert list(got) == ["is_report", "title", "title_composed", "agency", "province", "year", "published", "format",
                         "mirrored_copy_in_page", "active_disclosure", "applications", "reviews_litigation",
                         "check_failures", "balanced", "units", "raw", "sections", "checks",
                         "parse_status", "parse_reason"]


def test_seed_text_and_bytes_agree():
    raw = (SEEDS / NAMES[0]).read_bytes()
    assert parse(raw) == parse(raw.decode("utf-8"))


def test_every_check_is_listed_with_its_outcome():
    got = parse((SEEDS / "002_3a633730e86d03e4.txt").read_bytes())
    failed = [c for c in got["checks"] if not c["ok"]]
    assert [{k: c[k] for k in ("check", "column", "expected", "actual")} for c in failed] == got["check_failures"]
    names = {c["check"] for c in got["checks"]}
    assert names == {"received_balance", "results_sum", "row_total", "table4_total"}
    assert len([c for c in got["checks"] if c["check"] == "row_total"]) == 25


def test_seed_sections_are_prose():
    got = parse((SEEDS / "002_3a633730e86d03e4.txt").read_bytes())
    s = got["sections"]
    assert s["overview"].startswith("(一)主动公开情况")
    assert s["problems"].startswith("存在的主要问题")
    assert s["other_matters"] == ("依据《政府信息公开信息处理费管理办法》,柳南区2023年未收取任何政府信息公开"
                                  "信息处理费。无其他需要报告的事项。")
