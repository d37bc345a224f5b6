"""The offline sandbox web: real-shaped gov.cn portals under their real host names.

A loopback HTTP proxy (server.py) serves the portals described in portals/ (one data file
each, rendered through templates/), and knows exactly what it serves (truth.py). Spiders
keep their real URLs: point them at ``sb.proxy_url``.

    from harvester.sandbox import Sandbox
    with Sandbox() as sb:
        ...  # crawl through sb.proxy_url, compare with sb.truth

    with Sandbox(national=True) as sb:     # plus a generated portal for every registry host
        ...  # compare with sb.national_truth(province="广西") (national.py)

Never imported by spiders, pipelines or parsing code.
"""

from .process import SandboxProcess
from .server import Sandbox, serve_forever
from .truth import Truth, load as load_truth

__all__ = ["Sandbox", "SandboxProcess", "serve_forever", "Truth", "load_truth"]
