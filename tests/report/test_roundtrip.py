"""Property: a report rendered in any markup style parses back to the same values.

render.py (tests/report) lays the canonical tables out as the national templates print them,
in the markup variants portals produce; the parser must read back every value, blank cells as
null with the printed text kept in "raw".
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from report_helpers import render

from harvester.report import parse

R = render


def _value(rng, kind: str, blank_share: float):
    """A random cell value: blank, small or large counts, one-decimal money, signed changes."""
    if rng.random() < blank_share:
        return None
    if kind == "money":
        return rng.choice([rng.randrange(100_000), rng.randrange(10**7) / 10])
    if kind == "change":
        return rng.randrange(-500, 501)
    return rng.choice([rng.randrange(50), rng.randrange(3_000_000)])


@st.composite
def reports(draw, fmt=None):
    """A canonical report with random values (drawn from a hypothesis-controlled Random)."""
    fmt = fmt or draw(st.sampled_from(["2021", "2019"]))
    rng = draw(st.randoms(use_true_random=False))
    blank = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    ad = {}
    for _, _, items, metrics in R.T2[fmt]:
        for key, _ in items:
            ad[key] = {m: _value(rng, "money" if m in ("amount_10k_yuan", "amount") else
                                 "change" if m == "change" else "count", blank) for m in metrics}
    rows = ["new_received", "carried_over", "granted", "partially_granted"]
    rows += [k for _, items in R._GROUPS for k, _ in items]
    rows += [k for k, _ in R._OTHER_2021[1]] if fmt == "2021" else ["other"]
    rows += ["total", "carried_forward"]
    app = {r: {c: _value(rng, "count", blank) for c in R.COLUMNS} for r in rows}
    rl = {f"{g}.{m}": _value(rng, "count", blank) for g in R.T4_GROUPS for m in R.T4_METRICS}
    return {"format": fmt, "year": 2020 if fmt == "2019" else 2023, "active_disclosure": ad,
            "applications": app, "reviews_litigation": rl}


styles = st.builds(
    R.Style, spans=st.booleans(), split_t2=st.booleans(),
    split_t3=st.lists(st.integers(1, 24), max_size=2, unique=True).map(tuple),
    repeat_header=st.booleans(), keep_cut_labels=st.booleans(), split_t4=st.booleans(),
    thead=st.booleans(), word=st.booleans(), label_noise=st.integers(0, 10_000),
    fullwidth=st.booleans(), thousands=st.booleans(), null=st.sampled_from(["", "/", "—", "-", "无", "／"]),
    unit=st.sampled_from(["", "件"]), money_unit=st.sampled_from(["", "万元", "元"]),
    encoding=st.sampled_from(["utf-8", "gbk"]))


def _expected_print(report, style):
    """path -> printed text of every cell, as the renderer prints it."""
    out = {}
    for key, metrics in report["active_disclosure"].items():
        for m, v in metrics.items():
            unit = style.money_unit if m == "amount" else ("" if m == "amount_10k_yuan" else style.unit)
            out[f"active_disclosure/{key}/{m}"] = R.printed(v, style, unit if v is not None else "")
    for row, cols in report["applications"].items():
        for c, v in cols.items():
            out[f"applications/{row}/{c}"] = R.printed(v, style, style.unit if v is not None else "")
    for k, v in report["reviews_litigation"].items():
        out[f"reviews_litigation/{k}"] = R.printed(v, style, style.unit if v is not None else "")
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports(), styles)
def test_rendered_tables_parse_back(report, style):
    got = parse(R.render_bytes(report, style))
    assert got["is_report"] and got["parse_status"] == "ok", got["parse_reason"]
    assert got["format"] == report["format"]
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        assert got[table] == report[table], table
    printed = _expected_print(report, style)
    for path, text in printed.items():
        value = _lookup(report, path)
        if value is None:
            assert got["raw"].get(path) == (text or None), path
        elif text.replace(" ", "") != repr(value):
            assert got["raw"].get(path) == text, path
        else:
            assert path not in got["raw"], path


def _lookup(report, path):
    table, *rest = path.split("/")
    node = report[table]
    for part in rest:
        node = node[part]
    return node


@settings(max_examples=25, deadline=None)
@given(reports(), st.sampled_from(sorted(R.STYLES)))
def test_named_styles_parse_back(report, name):
    got = parse(R.render_page(report, R.STYLES[name]))
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        assert got[table] == report[table], (name, table)
