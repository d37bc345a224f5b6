"""A small Scrapy run through the sandbox proxy: plain HTTP, the CONNECT tunnel, GBK."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from harvester.sandbox import Sandbox

SPIDER = textwrap.dedent('''
    import json, sys, scrapy
    from scrapy.crawler import CrawlerProcess
    proxy, urls, out = sys.argv[1], sys.argv[2:], []
    class Probe(scrapy.Spider):
        name = "probe"
        custom_settings = {"LOG_LEVEL": "ERROR", "HTTPERROR_ALLOW_ALL": True, "RETRY_ENABLED": False,
                           "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False}
        async def start(self):
            for u in urls:
                yield scrapy.Request(u, meta={"proxy": proxy}, dont_filter=True)
        def parse(self, response):
            out.append({"url": response.url, "status": response.status,
                        "encoding": response.encoding, "text": response.text[:20000]})
    p = CrawlerProcess()
    p.crawl(Probe)
    p.start()
    print(json.dumps(out, ensure_ascii=False))
''')


def test_scrapy_through_the_proxy(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(SPIDER)
    urls = ["https://jkq.xining.gov.cn/index.php?c=show&id=115",
            "http://www.liunan.gov.cn/xxgk/zfxxgknb/index_2.shtml",
            "http://www.liunan.gov.cn/xxgk/zfxxgknb/t20170329_960214.shtml",
            "https://www.sc.gov.cn/10462/zfxxgknb/",                      # behind the 412 wall
            "http://61.166.150.123/Article/ShowClass.asp?ClassID=15",     # bare IP, no charset
            "http://www.gd.gov.cn/gkmlpt/api/all/2806?page=1&sid=2"]
    with Sandbox(delay_scale=0) as sb:
        r = subprocess.run([sys.executable, str(script), sb.proxy_url, *urls], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr[-3000:]
        got = {x["url"]: x for x in json.loads(r.stdout.strip().splitlines()[-1])}
        log = sb.request_log.snapshot()
    assert got[urls[0]]["status"] == 200 and got[urls[0]]["encoding"] in ("gbk", "gb18030")
    assert "行政规范性文件" in got[urls[0]]["text"]
    assert got[urls[1]]["status"] == 200 and 'createPageHTML(3, 2, "index", "shtml")' in got[urls[1]]["text"]
    assert got[urls[2]]["status"] == 500
    assert any(e["method"] == "CONNECT" and e["url"] == "jkq.xining.gov.cn:443" for e in log)
    assert got[urls[3]]["status"] == 412 and "$_ts" in got[urls[3]]["text"]
    assert got[urls[4]]["status"] == 200 and "政府信息公开年报" in got[urls[4]]["text"]   # GBK sniffed
    assert got[urls[5]]["status"] == 200 and '"articles":[' in got[urls[5]]["text"]
