"""Building blocks: grid placement of spanned cells, text-dump flattenings, cell values."""

import lxml.html
import pytest

from harvester.report import parse
from harvester.report.cells import Cell, classify
from harvester.report.grid import is_data_table, is_leaf, table_rows
from harvester.report.textdump import read_text


def _table(html):
    return lxml.html.fragment_fromstring(html)


def test_spanned_cells_sit_at_their_grid_columns():
    t = _table("<table><tr><td rowspan=2 colspan=2>a</td><td>b</td></tr><tr><td>c</td></tr>"
               "<tr><td>d</td><td colspan=2>e</td></tr></table>")
    rows = table_rows(t, 0)
    assert [[(c.text, c.col, c.span) for c in r.cells] for r in rows] == [
        [("a", 0, 2), ("b", 2, 1)], [("c", 2, 1)], [("d", 0, 1), ("e", 1, 2)]]
    assert {r.width for r in rows} == {3}


def test_bad_span_attributes_are_tolerated():
    t = _table("<table><tr><td rowspan='x' colspan='2;'>a</td><td colspan=99999>b</td></tr></table>")
    rows = table_rows(t, 0)
    assert [(c.text, c.col) for c in rows[0].cells] == [("a", 0), ("b", 2)]


def test_layout_tables_are_not_data_tables():
    def data(html):
        t = _table(html)
        return is_leaf(t) and is_data_table(t, table_rows(t, 0))
    assert not data("<table><tr><td><table><tr><td>1</td><td>2</td></tr></table></td></tr></table>")
    assert not data("<table><tr><td>" + "很长的正文。" * 80 + "</td><td>x</td></tr></table>")
    assert not data("<table><tr><td>only one column</td></tr><tr><td>x</td></tr></table>")
    assert data("<table><tr><td>规章</td><td>0</td></tr></table>")


@pytest.mark.parametrize("text,kind,value,unit", [
    ("1,200,631", "number", 1200631, None), ("１２", "number", 12, None), ("34572.2", "number", 34572.2, None),
    ("251000元", "number", 251000, "元"), ("0件", "number", 0, "件"), (" 3 ", "number", 3, None),
    ("-2", "number", -2, None), ("+1", "number", 1, None), ("减少3", "number", -3, None),
    ("", "blank", None, None), ("\u00a0", "blank", None, None), ("/", "null", None, None),
    ("／", "null", None, None), ("—", "null", None, None), ("——", "null", None, None), ("-", "null", None, None),
    ("无", "null", None, None), ("规章", "label", None, None), ("2022年", "label", None, None),
])
def test_cell_values(text, kind, value, unit):
    assert classify(text) == (kind, value, unit)


def test_raw_text_is_kept_only_where_it_says_more():
    assert Cell("1,200,631").raw == "1,200,631"
    assert Cell("１２").raw == "１２"
    assert Cell("—").raw == "—"
    assert Cell("12").raw is None and Cell("34572.2").raw is None and Cell("").raw is None


def test_pipe_dump_rows_keep_their_cells():
    rows = read_text("二、主动公开政府信息情况\n|\n第二十条第(一)项 | |||\n|\n信息内容 |\n本年制发件数 |\n"
                     "|\n规章 |\n0 |\n0 |\n1 |\n三、收到和处理\n")
    assert [[c.text for c in r.cells] for r in rows] == [
        ["二、主动公开政府信息情况"], ["第二十条第(一)项", "", "", ""], ["信息内容", "本年制发件数"],
        ["规章", "0", "0", "1"], ["三、收到和处理"]]
    assert rows[0].loose and not rows[1].loose


def test_one_row_per_line_dump_keeps_headings_between_tables():
    rows = read_text("行政事业性收费 | 0 |\n三、收到和处理政府信息公开申请情况\n(本列数据) | 申请人情况 | ||\n")
    assert [r.cells[0].text for r in rows] == ["行政事业性收费", "三、收到和处理政府信息公开申请情况", "(本列数据)"]
    assert rows[1].loose


def test_value_typed_once_in_a_merged_cell_goes_to_the_first_column():
    page = ("<p>一、总体情况</p><p>" + "本年度工作有序推进。" * 20 + "</p><p>三、收到和处理政府信息公开申请情况</p><table>"
            "<tr><td colspan=3>一、本年新收政府信息公开申请数量</td><td colspan=7>0</td></tr>"
            "<tr><td colspan=3>二、上年结转政府信息公开申请数量</td><td>1</td><td>2</td></tr>"
            + "".join(f"<tr><td colspan=3>{label}</td><td>0</td></tr>" for label in
                      ["(一)予以公开", "(二)部分公开", "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及三安全一稳定",
                       "(七)总计", "四、结转下年度继续办理"]) + "</table>")
    app = parse("<html><body>" + page + "</body></html>")["applications"]
    assert app["new_received"] == {"natural_person": 0, **dict.fromkeys(
        ["commercial_enterprise", "research_institution", "social_welfare_org", "legal_service_org", "other_org", "total"])}
    assert app["carried_over"]["commercial_enterprise"] == 2 and app["carried_over"]["total"] is None


def test_header_columns_map_values_when_a_row_has_spacer_cells():
    header = ("<tr><td colspan=3 rowspan=3>(本列数据的勾稽关系)</td><td colspan=7>申请人情况</td></tr>"
              "<tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>"
              "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>")
    rows = ("<tr><td>一、本年新收政府信息公开申请数量</td><td></td><td></td><td>1</td><td>2</td><td>3</td><td>4</td>"
            "<td>5</td><td>6</td><td>21</td></tr>"
            + "".join(f"<tr><td colspan=3>{x}</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>"
                      for x in ["二、上年结转政府信息公开申请数量", "(一)予以公开", "(二)部分公开", "1.属于国家秘密",
                                "2.其他法律行政法规禁止公开", "3.危及三安全一稳定", "(七)总计"]))
    got = parse(f"<html><body><p>三、收到和处理政府信息公开申请情况</p><table>{header}{rows}</table></body></html>")
    assert got["applications"]["new_received"] == {"natural_person": 1, "commercial_enterprise": 2,
                                                   "research_institution": 3, "social_welfare_org": 4,
                                                   "legal_service_org": 5, "other_org": 6, "total": 21}


def test_table4_printed_one_row_per_group():
    rows = "".join(f"<tr><td>{g}</td><td>{a}</td><td>0</td><td>0</td><td>0</td><td>{a}</td></tr>"
                   for g, a in [("行政复议", 1), ("未经复议直接起诉", 2), ("复议后起诉", 3)])
    page = ("<html><body><h1>某某县2022年政府信息公开工作年度报告</h1><p>四、政府信息公开行政复议、行政诉讼情况</p>"
            "<table><tr><td></td><td>结果维持</td><td>结果纠正</td>"
            f"<td>其他结果</td><td>尚未审结</td><td>总计</td></tr>{rows}</table></body></html>")
    rl = parse(page)["reviews_litigation"]
    assert (rl["review.upheld"], rl["suit_direct.total"], rl["suit_after_review.upheld"]) == (1, 2, 3)
