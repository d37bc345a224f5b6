"""Charset rules of real portals."""

import pytest

from harvester.report import ParseError, decode_html, parse

TEXT = "某某县2022年政府信息公开工作年度报告：主动公开信息𠮷条"


def page(charset: str | None, text: str = TEXT) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"<html><head>{meta}</head><body><p>{text}</p></body></html>"


def test_bom_wins():
    assert TEXT in decode_html("\ufeff".encode("utf-8") + page("gbk").encode("utf-8"), None)


def test_utf8_bytes_behind_a_gb2312_declaration():
    assert TEXT in decode_html(page("gb2312").encode("utf-8"), "text/html; charset=gb2312")


def test_gb2312_declared_decodes_as_gb18030():
    body = page("gb2312").encode("gb18030")   # 𠮷 is not in GB2312 or GBK
    assert TEXT in decode_html(body, None)


def test_gbk_bytes():
    text = "某某县2022年政府信息公开工作年度报告"
    assert text in decode_html(page("GBK", text).encode("gbk"), None)


def test_header_and_meta_disagree_the_clean_one_wins():
    body = page("utf-8").encode("gb18030")
    assert TEXT in decode_html(body, "text/html; charset=gbk")
    assert TEXT in decode_html(page("gbk").encode("utf-8"), "text/html; charset=gbk")
    assert TEXT in decode_html(page("utf-8").encode("gb18030"), "text/html; charset=iso-8859-1")


def test_no_charset_anywhere():
    assert TEXT in decode_html(page(None).encode("utf-8"), None)
    assert TEXT in decode_html(page(None).encode("gb18030"), None)


def test_binary_input_raises_a_parse_error():
    with pytest.raises(ParseError):
        parse(b"%PDF-1.7\n...")
    with pytest.raises(ParseError):
        parse(b"\x00\x01\x02binary")
    with pytest.raises(ParseError):
        parse(12345)


def test_undecodable_bytes_do_not_raise():
    got = parse(b"\xff\xfe\xfa" * 50 + b"<html><body><p>x</p></body></html>")
    assert got["is_report"] is False
