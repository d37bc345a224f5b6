"""JavaScript cookie walls: the first answer is a challenge only a JavaScript engine passes.

Two kinds, as real gov.cn portals put in front of their pages (shared/spec/portals.md, Walls):

- ``rs412`` (瑞数-style): the first answer is 412 with ``<meta id=... content=... r='m'>``,
  ``$_ts`` script, an external script and a trigger call; the server sets a cookie whose name
  ends in S (HttpOnly); the script computes the T cookie from the meta content, ``$_ts.nsd`` and
  ``$_ts.cd`` (a 32-bit FNV computation, four rounds), sets it and reloads. The server serves the
  page only when T matches what it expects for that S on that host.
- ``jsl521`` (加速乐-style): the first answer is 521 with a script that computes a first
  ``__jsl_clearance_s`` value (arithmetic, not a literal) and reloads; the second is 521 with
  ``go({...})``: the client must find the two characters that make
  ``sha1(bts[0] + c1 + c2 + bts[1]) == ct`` and set that as the cookie; the third request is 200.

Everything the server checks is derived from the client's first cookie and a secret made at
start-up (HMAC), so nothing is stored per client, and a cookie from one host is worthless on
another. ``pass_cookie()`` gives a Cookie header that passes: for the sandbox's own tests only
(a crawler meets the wall through the proxy like anyone else).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from http.cookies import SimpleCookie

from .portal import Response, http_date


def _cookies(headers) -> dict:
    c = SimpleCookie()
    try:
        c.load(headers.get("Cookie") or "")
    except Exception:  # noqa: BLE001 - a malformed Cookie header is just no cookie
        return {}
    return {k: v.value for k, v in c.items()}


class Wall:
    def __init__(self, portal):
        self.p = portal
        self.secret = os.urandom(16)

    def mac(self, *parts) -> str:
        msg = "|".join([self.p.host, *map(str, parts)]).encode()
        return hmac.new(self.secret, msg, hashlib.sha256).hexdigest()

    def _resp(self, status, body: str, cookies=(), ctype="text/html"):
        b = body.encode("utf-8")
        h = [("Server", self.p.cfg.get("server", "nginx")), ("Date", http_date(time.time())),
             ("Content-Type", ctype), ("Content-Length", str(len(b))),
             ("Cache-Control", "no-cache, no-store"), *[("Set-Cookie", c) for c in cookies]]
        return Response(status, h, b)


# --- 瑞数-style 412 ------------------------------------------------------------------------------
def fnv_rounds(content: str, nsd: int, cd: str) -> str:
    """What the challenge script computes (the server checks the same)."""
    out = ""
    for r in range(4):
        h = (2166136261 + r * 40503) & 0xFFFFFFFF
        for ch in f"{content}|{nsd}|{r}":
            h ^= ord(ch)
            h = (h * 16777619) & 0xFFFFFFFF
        out += "".join(cd[int(x, 16)] for x in f"{h:08x}")
    return out


RS_SCRIPT = r"""(function(){var _$t=window['$_ts'];function _$h(s,r){var h=(2166136261+r*40503)>>>0;
for(var i=0;i<s.length;i++){h^=s.charCodeAt(i);h=Math.imul(h,16777619)>>>0;}return h>>>0;}
function _$x(n){var s=n.toString(16);while(s.length<8)s='0'+s;return s;}
_$t.l__=function(_$n){var _$m=document.getElementsByTagName('meta'),_$c='';
for(var i=0;i<_$m.length;i++){if(_$m[i].getAttribute('r')=='m'){_$c=_$m[i].getAttribute('content');}}
var _$o='';for(var r=0;r<4;r++){var _$v=_$x(_$h(_$c+'|'+_$n+'|'+r,r));
for(var j=0;j<8;j++){_$o+=_$t.cd.charAt(parseInt(_$v.charAt(j),16));}}
document.cookie=_$t.ck+'T='+_$o+'; path=/';location.reload();};})();
"""


class RS412(Wall):
    kind = "rs412"

    def __init__(self, portal):
        super().__init__(portal)
        h = hashlib.md5(portal.host.encode()).hexdigest()
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        self.prefix = "".join(alphabet[int(h[i:i + 2], 16) % len(alphabet)] for i in range(0, 32, 2)) + "80"
        self.script = f"/{self.prefix[:13]}/{h[:8]}.{h[8:16]}.js"
        self.meta_id = self.prefix[2:14]

    def expected(self, s: str) -> tuple[str, int, str, str]:
        m = self.mac("rs", s)
        content = m[:40]
        nsd = int(m[40:46], 16)
        digits = list("0123456789abcdef")
        order = sorted(range(16), key=lambda i: m[46 + i % 18:48 + i % 18] + str(i))
        cd = "".join(digits[i] for i in order)
        return content, nsd, cd, fnv_rounds(content, nsd, cd)

    def pass_cookie(self, s: str = "sandbox0test0cookie") -> str:
        return f"{self.prefix}S={s}; {self.prefix}T={self.expected(s)[3]}"

    def check(self, method, path, query, headers):
        if path == self.script:
            return self._resp(200, RS_SCRIPT, ctype="application/javascript")
        ck = _cookies(headers)
        s = ck.get(self.prefix + "S")
        if s and hmac.compare_digest(ck.get(self.prefix + "T", ""), self.expected(s)[3]):
            return None
        cookies = []
        if not s:
            s = os.urandom(24).hex()
            cookies.append(f"{self.prefix}S={s}; Path=/; HttpOnly")
        content, nsd, cd, _ = self.expected(s)
        body = (f'<!DOCTYPE html>\n<html><head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
                f'<meta id="{self.meta_id}" content="{content}" r=\'m\'>\n'
                f"<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={{}};"
                f"$_ts.nsd={nsd};$_ts.cd=\"{cd}\";$_ts.ck=\"{self.prefix}\";</script>\n"
                f"<script type=\"text/javascript\" charset=\"utf-8\" src=\"{self.script}\" r='m'></script>\n"
                f"</head>\n<body>\n<script type=\"text/javascript\" r='m'>$_ts['l__']($_ts.nsd);</script>\n"
                f"</body></html>\n")
        return self._resp(412, body, cookies)


# --- 加速乐-style 521 ---------------------------------------------------------------------------
SHA1_JS = r"""function sha1(m){function R(n,s){return(n<<s)|(n>>>(32-s));}
var u=unescape(encodeURIComponent(m)),w=[],i,l=u.length;
for(i=0;i<l;i++)w[i>>2]|=(u.charCodeAt(i)&255)<<(24-(i%4)*8);
w[l>>2]|=128<<(24-(l%4)*8);w[(((l+8)>>6)<<4)+15]=l*8;
var A=0x67452301,B=0xEFCDAB89,C=0x98BADCFE,D=0x10325476,E=0xC3D2E1F0,W=new Array(80);
for(i=0;i<w.length;i+=16){var a=A,b=B,c=C,d=D,e=E;
for(var j=0;j<80;j++){W[j]=j<16?(w[i+j]|0):R(W[j-3]^W[j-8]^W[j-14]^W[j-16],1);
var f,k;if(j<20){f=(b&c)|(~b&d);k=0x5A827999;}else if(j<40){f=b^c^d;k=0x6ED9EBA1;}
else if(j<60){f=(b&c)|(b&d)|(c&d);k=0x8F1BBCDC;}else{f=b^c^d;k=0xCA62C1D6;}
var t=(R(a,5)+f+e+k+W[j])|0;e=d;d=c;c=R(b,30);b=a;a=t;}
A=(A+a)|0;B=(B+b)|0;C=(C+c)|0;D=(D+d)|0;E=(E+e)|0;}
function H(n){var s='';for(var q=7;q>=0;q--)s+=((n>>>(q*4))&15).toString(16);return s;}
return H(A)+H(B)+H(C)+H(D)+H(E);}
function go(_){var c=_.chars,n=c.length;for(var i=0;i<n;i++){for(var j=0;j<n;j++){
var v=_.bts[0]+c.charAt(i)+c.charAt(j)+_.bts[1];if(sha1(v)==_.ct){
document.cookie=_.tn+'='+v+';max-age='+_.vt+';path=/';location.href=location.pathname+location.search;return;}}}
document.write('验证失败');}
"""

CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _obf(n: int, k: int) -> str:
    """A JavaScript expression worth ``n`` that is no literal ``n``."""
    a, b = divmod(n ^ k, 97)
    return f"((({a}*(-~[]+96))+(-~-~[]*{b}-{b}))^(+!![]*{k}))"


class JSL521(Wall):
    kind = "jsl521"
    TN = "__jsl_clearance_s"

    def __init__(self, portal):
        super().__init__(portal)
        self.uid_name = "__jsluid_s" if portal.scheme == "https" else "__jsluid_h"

    def stage1(self, uid: str) -> tuple[str, str]:
        """(cookie value, the JavaScript expression that computes it)."""
        m = self.mac("jsl1", uid)
        ts, frac, k = int(m[:7], 16) + 1700000000, int(m[7:10], 16) % 1000, int(m[10:14], 16)
        tok = m[14:30]
        value = f"{ts}.{frac:03d}|-1|{tok}"
        expr = (f"({_obf(ts, k)})+('.')+(({_obf(frac + 1000, k ^ 0x55)})+'').substr(1)+('|')+('-')+(-~[])"
                f"+('|')+{'+'.join(repr(tok[i:i + 4]) for i in range(0, 16, 4))}")
        return value, expr

    def stage2(self, uid: str) -> dict:
        m = self.mac("jsl2", uid)
        v1 = self.stage1(uid)[0]
        pre = v1.replace("|-1|", "|0|")
        post = m[:20]
        i, j = int(m[20:24], 16) % len(CHARS), int(m[24:28], 16) % len(CHARS)
        final = pre + CHARS[i] + CHARS[j] + post
        return {"bts": [pre, post], "chars": CHARS, "ct": hashlib.sha1(final.encode()).hexdigest(),
                "ha": "sha1", "is": True, "tn": self.TN, "vt": "3600", "wt": "1500", "_final": final}

    def pass_cookie(self, uid: str = "sandbox0test0uid0000000000000000") -> str:
        return f"{self.uid_name}={uid}; {self.TN}={self.stage2(uid)['_final']}"

    def check(self, method, path, query, headers):
        ck = _cookies(headers)
        uid = ck.get(self.uid_name)
        clear = ck.get(self.TN, "")
        cookies = []
        if uid:
            st2 = self.stage2(uid)
            if hmac.compare_digest(clear, st2["_final"]):
                return None
            if hmac.compare_digest(clear, self.stage1(uid)[0]):
                go = {k: v for k, v in st2.items() if not k.startswith("_")}
                body = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><script>"
                        + SHA1_JS + f"go({json.dumps(go)})</script></body></html>")
                return self._resp(521, body)
        else:
            uid = os.urandom(16).hex()
            cookies.append(f"{self.uid_name}={uid}; max-age=31536000; path=/; HttpOnly")
        _, expr = self.stage1(uid)
        name = "+".join(f"('{ch}')" for ch in self.TN + "=")
        body = (f"<script>document.cookie={name}+({expr})+';max-age=3600;path=/';"
                "location.href=location.pathname+location.search</script>")
        return self._resp(521, body, cookies)


def make_wall(kind: str, portal) -> Wall:
    return {"rs412": RS412, "jsl521": JSL521}[kind](portal)
