"""Settings a user overrides (`harvester crawl --set NAME=VALUE`), checked before a run starts.

Why: Scrapy reads a setting only when a component needs it, deep inside a running crawl; a
bad value there (DOWNLOAD_TIMEOUT=abc) ends in tracebacks after the run has been recorded,
and a misspelt name silently does nothing. `check_settings` refuses both up front with one
line, and turns the command line's strings into the types Scrapy's defaults have.

    from harvester.settingscheck import check_settings, SettingError
    settings = check_settings({"DOWNLOAD_TIMEOUT": "20", "ROBOTSTXT_OBEY": "false"})
    # {"DOWNLOAD_TIMEOUT": 20, "ROBOTSTXT_OBEY": False}
"""

from __future__ import annotations

import difflib
import json
import math
import re

from scrapy.settings import default_settings

from harvester import settings as project_settings


class SettingError(ValueError):
    """A setting override that a run cannot use; the message is one line for the user."""


# Set by the run itself from its own options: overriding them would split one run in two
# (the store writing one database while the lock guards another, say).
RESERVED = {
    "HARVESTER_DB": "--db",
    "HARVESTER_REGISTRY": "--registry",
    "HARVESTER_PROXY": "--proxy",
    "HARVESTER_YEARS": "--year",
    "HARVESTER_RUN_ID": None,
    "JOBDIR": None,
}

# scrapy-playwright's settings (not in Scrapy's defaults), by the type its handler reads.
PLAYWRIGHT = {
    "PLAYWRIGHT_BROWSER_TYPE": "chromium", "PLAYWRIGHT_LAUNCH_OPTIONS": {}, "PLAYWRIGHT_CONTEXTS": {},
    "PLAYWRIGHT_MAX_CONTEXTS": 1, "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
    "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30000.0, "PLAYWRIGHT_DOWNLOAD_TIMEOUT": 0,
    "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True, "PLAYWRIGHT_CDP_URL": None, "PLAYWRIGHT_CDP_KWARGS": {},
    "PLAYWRIGHT_CONNECT_URL": None, "PLAYWRIGHT_CONNECT_KWARGS": {}, "PLAYWRIGHT_ABORT_REQUEST": None,
    "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None, "PLAYWRIGHT_BROWSER_PROVIDER": None,
}

# Numbers that must be above 0 (a run with none of them cannot fetch anything); every other
# number must be 0 or more, except priorities, which may be negative.
POSITIVE = {
    "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "CONCURRENT_ITEMS", "DOWNLOAD_TIMEOUT",
    "DNS_TIMEOUT", "AUTOTHROTTLE_TARGET_CONCURRENCY", "REACTOR_THREADPOOL_MAXSIZE",
    "SCRAPER_SLOT_MAX_ACTIVE_SIZE", "PLAYWRIGHT_MAX_CONTEXTS", "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT",
    "HARVESTER_MAX_LIST_PAGES", "HARVESTER_FILE_READERS", "HARVESTER_BROWSER_CONTEXTS",
}
_SIGNED = re.compile(r"PRIORITY(_ADJUST)?$")
# Integer defaults that Scrapy reads as a float (seconds and the like): 2.5 is a fine value.
_FRACTIONAL = re.compile(r"TIMEOUT|DELAY|INTERVAL|_SECS$|JITTER")
CHOICES = {
    "LOG_LEVEL": ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"),
    "PLAYWRIGHT_BROWSER_TYPE": ("chromium", "firefox", "webkit"),
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def known_defaults() -> dict:
    """Every setting a run can take, with its default (the type a value must have)."""
    out = {n: getattr(default_settings, n) for n in dir(default_settings) if n.isupper()}
    out.update(PLAYWRIGHT)
    out.update({n: getattr(project_settings, n) for n in dir(project_settings) if n.isupper()})
    return out


def check_settings(overrides: dict) -> dict:
    """The overrides with typed values; raises SettingError (one line) on the first bad one."""
    known = known_defaults()
    out = {}
    for name, value in overrides.items():
        out[name] = check_setting(name, value, known)
    return out


def check_setting(name: str, value, known: dict | None = None):
    known = known_defaults() if known is None else known
    if not isinstance(name, str) or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
        raise SettingError(f"{name!r} is not a setting name (upper-case letters, digits and _)")
    if name in RESERVED:
        option = RESERVED[name]
        raise SettingError(f"{name} is set by the run itself" + (f": use {option} instead" if option else ""))
    if name not in known:
        close = difflib.get_close_matches(name, list(known), n=1)
        raise SettingError(f"unknown setting {name}" + (f" (did you mean {close[0]}?)" if close else
                                                         " (not a Scrapy, scrapy-playwright or harvester setting)"))
    default = known[name]
    if isinstance(default, bool) or name.endswith("_ENABLED"):  # TELNETCONSOLE_ENABLED defaults to 1
        return _boolean(name, value)
    if isinstance(default, (int, float)):
        return _number(name, value, whole=isinstance(default, int) and not _FRACTIONAL.search(name))
    if isinstance(default, (dict, list)):
        parsed = _structured(name, value, type(default))
        if isinstance(default, list) and default and all(type(x) is int for x in default):
            return _whole_numbers(name, parsed)  # RETRY_HTTP_CODES=500,502
        return parsed
    if name in CHOICES:
        text = str(value)
        wanted = CHOICES[name]
        match = next((c for c in wanted if c.lower() == text.lower()), None)
        if match is None:
            raise SettingError(f"{name} must be one of {', '.join(wanted)}, not {text!r}")
        return match
    return value


def _boolean(name, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SettingError(f"{name} must be true or false (or 1 / 0), not {value!r}")


def _number(name, value, *, whole: bool):
    floor = 1 if name in POSITIVE and whole else 0
    kind = "a whole number" if whole else "a number"
    bound = "" if _SIGNED.search(name) else (" above 0" if name in POSITIVE else " of 0 or more")
    wanted = f"{name} must be {kind}{bound}, not {value!r}"
    if isinstance(value, bool):
        raise SettingError(wanted)
    try:
        number = value if isinstance(value, (int, float)) else float(str(value).strip())
    except ValueError:
        raise SettingError(wanted) from None
    if not math.isfinite(number):
        raise SettingError(wanted)
    if whole:
        if number != int(number):
            raise SettingError(wanted)
        number = int(number)
    if _SIGNED.search(name):
        return number
    if number < floor or (name in POSITIVE and number <= 0):
        raise SettingError(wanted)
    return number


def _whole_numbers(name, items: list) -> list[int]:
    try:
        return [int(str(x).strip()) for x in items]
    except ValueError:
        raise SettingError(f"{name} must be whole numbers such as 500,502, not {items!r}") from None


def _structured(name, value, kind: type):
    if isinstance(value, kind):
        return value
    text = str(value).strip()
    if kind is list and not text.startswith("["):  # Scrapy's own form: a,b,c
        return [part.strip() for part in text.split(",") if part.strip()]
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if not isinstance(parsed, kind):
        shape = 'a JSON object such as {"key": 1}' if kind is dict else 'a JSON list or a,b,c'
        raise SettingError(f"{name} must be {shape}, not {value!r}")
    return parsed
