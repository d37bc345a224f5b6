from harvester.pagetext import first_copy, page_text


def test_page_text_takes_the_body_container_not_the_chrome():
    html = ("<html><body><nav>首页 政府信息公开</nav><div class='TRS_Editor'><p>一、总体情况</p>"
            "<p>2023年，我区持续规范政府信息公开专栏建设，依托区政府网站公开各类政府信息。</p></div>"
            "<div class='footer'>主办单位</div></body></html>")
    text = page_text(html)
    assert "一、总体情况" in text and "主办单位" not in text and "首页" not in text


def test_first_copy_keeps_a_doubled_report_once():
    body = ("本年度报告根据《中华人民共和国政府信息公开条例》要求，由某区人民政府编制。\n一、总体情况\n正文正文正文\n"
            "六、其他需要报告的事项\n无其他需要报告的事项，本年度未收取任何信息处理费用。\n")
    doubled = body + "1\n政府信息公开年报\n某区人民政府2023年政府信息公开工作年度报告\n" + body
    once = first_copy(doubled)
    assert once.count("一、总体情况") == 1 and once.rstrip().endswith("本年度未收取任何信息处理费用。")
    assert first_copy(body) == body
