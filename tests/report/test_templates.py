"""The template declarations (harvester/report/templates.py): every key labelled and readable, a
bad entry refused, and a made-up template added in one place that the parser then reads."""

from __future__ import annotations

import dataclasses
import re

import made_up_template as made
import pytest
from report_helpers import render

from harvester.report import labels as L
from harvester.report import parse, templates
from harvester.report.cells import norm_label

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")


def keys_of(t: templates.Template) -> list[tuple[str, str, str]]:
    """(section, kind, key) of everything a template prints, shared parts included."""
    out = [("active_disclosure", "item", i.key) for b in t.table2 for i in b.items]
    out += [("active_disclosure", "metric", m.key) for b in t.table2 for m in b.metrics]
    out += [("applications", "row", key) for key in t.row_keys]
    out += [("applications", "column", c.key) for c in templates.COLUMNS]
    out += [("reviews_litigation", "group", g.key) for g in templates.T4_GROUPS]
    out += [("reviews_litigation", "result", r.key) for r in templates.T4_RESULTS]
    out += [(label.key, "section", label.key) for _, label in templates.SECTIONS]
    return out


def label_of(rows, t, section, kind, key) -> dict:
    found = [r for r in rows if (r["section"], r["kind"], r["key"]) == (section, kind, key)
             and r["template"] in (t.name, "")]
    assert len(found) == 1, (t.name, section, kind, key, found)
    return found[0]


def check_every_key_labelled(t: templates.Template):
    rows = templates.label_rows()
    for section, kind, key in keys_of(t):
        label = label_of(rows, t, section, kind, key)
        assert CJK.search(label["label_zh"]) and LATIN.search(label["label_en"]), (t.name, key, label)
        for level in ("group", "subgroup"):  # a header cell is labelled in both languages or not at all
            assert bool(label[f"{level}_zh"]) == bool(label[f"{level}_en"]), (t.name, key, level)


@pytest.mark.parametrize("name", list(templates.TEMPLATES))
def test_every_key_of_every_template_has_a_chinese_and_an_english_label(name):
    check_every_key_labelled(templates.TEMPLATES[name])


@pytest.mark.parametrize("name", list(templates.TEMPLATES))
def test_every_label_a_template_prints_reads_back_as_its_key(name):
    t = templates.TEMPLATES[name]
    for b in t.table2:
        assert L.t2_item(norm_label(b.article)) is None and L.T2_SECTION.search(norm_label(b.article))
        for item in b.items:
            assert L.t2_item(norm_label(item.zh)) == item.key
        for metric in b.metrics:
            assert L.t2_metric(norm_label(metric.zh)) == metric.key
    for line in t.table3:
        n = norm_label(line.label.zh)
        group = line.key.split(".")[0] if "." in line.key else L.t3_group(n)  # as the reader carries it
        assert L.t3_row(n, group) == line.key, line.label.zh
    for column in templates.COLUMNS:
        assert L.t3_column(norm_label(column.label.zh)) == column.key
    for group in templates.T4_GROUPS:
        assert L.t4_group(norm_label(group.label.zh)) == group.key
    for result in templates.T4_RESULTS:
        assert L.t4_metric(norm_label(result.zh)) == result.key


def test_the_labels_table_holds_the_two_national_templates_as_before():
    rows = templates.label_rows()
    assert len(rows) == 73 and len({(r["section"], r["kind"], r["key"], r["template"]) for r in rows}) == 73
    other = [r for r in rows if r["key"].startswith("other") and r["kind"] == "row"]
    assert {(r["key"], r["template"], r["position"]) for r in other} == {
        ("other", "2019", 21), ("other.no_correction", "2021", 22), ("other.unpaid_fee", "2021", 23),
        ("other.other", "2021", 24)}
    penalty = {r["template"]: r["position"] for r in rows if r["key"] == "penalty"}
    assert penalty == {"2021": 5, "2019": 5}  # one order over both templates: 2019's other_services is 4
    csv_text = templates.labels_csv()
    assert csv_text.splitlines()[0] == ",".join(templates.LABEL_COLUMNS) and len(csv_text.splitlines()) == 74


def test_year_fallback_follows_the_first_years():
    assert [templates.for_year(y).name for y in (2015, 2019, 2020, 2021, 2030, None)] == \
        ["2019", "2019", "2019", "2021", "2021", "2021"]
    assert templates.first_year() == 2019
    with templates.registered(made.made_up()):
        assert [templates.for_year(y).name for y in (2020, 2030, 2031, 2040, None)] == \
            ["2019", "2021", "2031", "2031", "2031"]
    assert templates.for_year(2031).name == "2021" and "2031" not in templates.TEMPLATES


@pytest.mark.parametrize("change, message", [
    (lambda t: dataclasses.replace(t, name="x'y"), "named by"),
    (lambda t: dataclasses.replace(t, name="legacy"), "named by"),
    (lambda t: dataclasses.replace(t, first_year=2021), "already template '2021'"),
    (lambda t: dataclasses.replace(t, table3=tuple(
        dataclasses.replace(line, label=dataclasses.replace(made.NEW, en=""))
        if line.key == made.NEW.key else line for line in t.table3)), "needs a Chinese and an English label"),
    (lambda t: dataclasses.replace(t, table3=tuple(
        dataclasses.replace(line, label=dataclasses.replace(made.NEW, match=None))
        if line.key == made.NEW.key else line for line in t.table3)), "has no reading pattern"),
    (lambda t: dataclasses.replace(t, table3=tuple(line for line in t.table3 if line.key != "total")), "table 3 needs"),
    (lambda t: dataclasses.replace(t, table3=t.table3 + t.table3[:1]), "printed twice"),
])
def test_a_template_that_cannot_be_used_is_refused_in_one_line(change, message):
    bad = change(made.made_up())
    before = dict(templates.TEMPLATES)
    with pytest.raises(templates.TemplateError) as e:
        templates.register(bad)
    assert message in str(e.value) and "\n" not in str(e.value)
    assert templates.TEMPLATES == before


@pytest.fixture()
def made_up_page(monkeypatch):
    """A page printed in the made-up template (render.py's own labels for it)."""
    t2, t3 = made.page_layout(render)
    monkeypatch.setitem(render.T2, made.NAME, t2)
    monkeypatch.setitem(render.T3, made.NAME, t3)
    truth = made.report(seed=31)
    return truth, render.render_bytes(truth, render.STYLES["official"])


@pytest.mark.parametrize("style", ["official", "flat", "word", "split", "thead"])
def test_a_made_up_template_added_in_one_place_is_read(monkeypatch, style):
    t2, t3 = made.page_layout(render)
    monkeypatch.setitem(render.T2, made.NAME, t2)
    monkeypatch.setitem(render.T3, made.NAME, t3)
    truth = made.report(seed=len(style))
    page = render.render_bytes(truth, render.STYLES[style])
    with templates.registered(made.made_up()):
        got = parse(page)
        check_every_key_labelled(templates.TEMPLATES[made.NAME])
    assert got["parse_status"] == "ok", got["parse_reason"]
    assert got["format"] == made.NAME and got["year"] == 2031
    assert list(got["applications"]) == list(truth["applications"])  # the made-up rows, in its order
    assert got["applications"][made.NEW.key] == truth["applications"][made.NEW.key]
    assert made.OLD_KEY not in got["applications"]
    assert got["applications"] == truth["applications"]
    assert got["active_disclosure"] == truth["active_disclosure"]
    assert got["reviews_litigation"] == truth["reviews_litigation"]
    # the checks run over the made-up rows: results_sum adds the renamed row
    assert got["balanced"] is True and not got["check_failures"]
    assert {c["check"] for c in got["checks"]} == {"received_balance", "results_sum", "row_total", "table4_total"}


def test_without_the_made_up_template_its_renamed_row_is_not_its_own(made_up_page):
    truth, page = made_up_page
    got = parse(page)  # the registry as committed: 2019 and 2021 only
    assert got["format"] == "2021"
    assert made.NEW.key not in got["applications"]
    # read by its group and number, as 2021's (四) 2. row: what registering the template changes
    assert got["applications"][made.OLD_KEY] == truth["applications"][made.NEW.key]


def test_registering_and_removing_a_template_rebuilds_what_derives_from_it(made_up_page):
    _truth, page = made_up_page
    before_rows, before_parse = templates.label_rows(), parse(page)
    with templates.registered(made.made_up()):
        rows = templates.label_rows()
        new = [r for r in rows if r["key"] == made.NEW.key]
        assert [(r["template"], r["label_zh"], r["label_en"]) for r in new] == [(made.NAME, made.NEW.zh, made.NEW.en)]
        # the renamed key is no longer printed by every template: one label per template that prints it
        assert {r["template"] for r in rows if r["key"] == made.OLD_KEY} == {"2021", "2019"}
        assert L.t3_row(norm_label(made.NEW.zh), "unable") == made.NEW.key
        assert L.t3_row(norm_label(made.NEW.zh), None) == made.NEW.key  # by its own pattern (Label.match)
        assert templates.group_items()["unable"][1] == made.NEW.key
        assert templates.distinctive()[made.NAME] == {made.NEW.key}
        assert parse(page)["format"] == made.NAME
    assert templates.label_rows() == before_rows
    assert L.t3_row(norm_label(made.NEW.zh), "unable") == made.OLD_KEY
    assert L.t3_row(norm_label(made.NEW.zh), None) is None
    assert parse(page) == before_parse


def test_a_page_without_a_title_line_gets_a_composed_title():
    truth = made.report(seed=5, agency="某某经济技术开发区", year=2022)
    truth["format"] = "2021"
    truth["applications"] = None
    page = render.render_bytes(truth, dataclasses.replace(render.STYLES["official"], title_line=False))
    got = parse(page)
    assert got["is_report"] and got["agency"] == "某某经济技术开发区" and got["year"] == 2022
    assert got["title"] == "某某经济技术开发区2022年政府信息公开工作年度报告" and got["title_composed"] is True
    titled = parse(render.render_bytes(dict(truth, title="某某经济技术开发区2022年度信息公开年报")))
    assert titled["title"] == "某某经济技术开发区2022年度信息公开年报" and titled["title_composed"] is False
