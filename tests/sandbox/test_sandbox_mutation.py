"""publish() and edit(): state per Sandbox instance, seen through the proxy and the truth."""

from __future__ import annotations

from harvester.sandbox import Sandbox
from sandbox_helpers import cell_numbers, decode, expected_numbers, fetch


def test_publish_puts_a_report_on_top_of_the_column():
    with Sandbox(delay_scale=0) as sb:
        before = sb.truth.site("gx-liuzhou-liunan")
        entry = sb.publish("gx-liuzhou-liunan", {"year": 2025})
        assert entry["year"] == 2025 and entry["format"] == "2021"
        assert entry["title"] == "柳州市柳南区人民政府2025年政府信息公开工作年度报告"
        st, h, body = fetch(sb, "http://www.liunan.gov.cn/xxgk/zfxxgknb/")
        html = decode(h, body)
        first = html.split('class="more-list"')[1]
        assert entry["url"].rsplit("/", 1)[1] in first.split("</li>")[0]
        st, h, body = fetch(sb, entry["url"])
        assert st == 200 and cell_numbers(decode(h, body)) == expected_numbers(entry) * 2
        after = sb.truth.site("gx-liuzhou-liunan")
        assert len(after["reports"]) == len(before["reports"]) + 1
        # the chain goes on from 2024
        prev = next(r for r in after["reports"] if r["year"] == 2024 and r["agency"] == entry["agency"])
        assert prev["applications"]["carried_forward"] == entry["applications"]["carried_over"]
    with Sandbox(delay_scale=0) as other:                     # state is per instance
        assert other.truth.by_url(entry["url"]) is None


def test_publish_given_values_and_pagination_grows():
    with Sandbox(delay_scale=0) as sb:
        site = "qh-xining-jkq"
        pages = len(sb.truth.site(site)["list_pages"])
        rl = {f"{g}.{m}": 0 for g in ("review", "suit_direct", "suit_after_review")
              for m in ("upheld", "corrected", "other", "pending", "total")}
        rl["review.upheld"] = rl["review.total"] = 1
        for y in range(2025, 2027):
            e = sb.publish(site, {"year": y, "reviews_litigation": rl})
            assert e["reviews_litigation"] == rl
        sb.publish(site, {"year": 2026, "kind": "notice"})
        assert len(sb.truth.site(site)["list_pages"]) == pages + 1
        assert fetch(sb, sb.truth.site(site)["list_pages"][-1])[0] == 200


def test_edit_changes_values_and_validators():
    with Sandbox(delay_scale=0) as sb:
        e = sb.truth.by_seed("000_3d7541172e71114f.txt")
        st, h, body = fetch(sb, e["url"])
        etag, lm = h["ETag"], h["Last-Modified"]
        new = sb.edit(e["url"], {"applications.new_received.natural_person": 3,
                                 "applications": {"denied.state_secret": {"total": 1}},
                                 "reviews_litigation.review.upheld": 2})
        assert new["applications"]["new_received"]["natural_person"] == 3
        assert new["applications"]["denied.state_secret"]["total"] == 1
        assert not new["balanced"]
        checks = {(f["check"], f["column"]) for f in new["check_failures"]}
        assert ("received_balance", "natural_person") in checks
        assert ("row_total", "denied.state_secret") in checks
        assert ("table4_total", "review") in checks
        st, h, body = fetch(sb, e["url"], {"If-None-Match": etag})
        assert st == 200 and h["ETag"] != etag and h["Last-Modified"] != lm
        assert cell_numbers(decode(h, body)) == expected_numbers(new)
        assert fetch(sb, e["url"], {"If-None-Match": h["ETag"]})[0] == 304
        assert sb.truth.by_url(e["url"]) == new
