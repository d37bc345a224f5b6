"""Bounded memos of the parser's pure functions of one text (a cell, a label, a heading).

The same few hundred labels, headings and small numbers come back on every report, so each
distinct text is read once per process. forget() empties every memo: a benchmark calls it to
measure pages whose every text is new to the parser.
"""

from __future__ import annotations

from functools import lru_cache

SIZE = 1 << 15  # texts kept per dict memo (up to 40 characters each); a full one starts afresh
LOOKUPS = 1 << 12  # answers kept per remembered lookup: the labels of every template, with room
_CLEARS: list = []


def remembered(func):
    """`func` (pure, hashable arguments) with its answers kept in a bounded LRU memo."""
    cached = lru_cache(maxsize=LOOKUPS)(func)
    _CLEARS.append(cached.cache_clear)
    return cached


def table() -> dict:
    """A plain dict memo for the hottest lookups (cheaper than lru_cache); the caller empties it
    when it reaches SIZE entries."""
    memo: dict = {}
    _CLEARS.append(memo.clear)
    return memo


def keep(memo: dict, key, value):
    """Store `value` under `key` in a table() memo, emptied first when it holds SIZE entries
    (the callers look up inline: only a miss pays this call). Returns `value`."""
    if len(memo) >= SIZE:
        memo.clear()
    memo[key] = value
    return value


def forget() -> None:
    """Empty every memo."""
    for clear in _CLEARS:
        clear()
