"""A small thread-safe LRU bounded by entry count and by total size.

The national sandbox keeps a few hundred portals and a few tens of MB of rendered pages while
answering for 3,205 hosts: both caches must forget the least recently used entry rather than
grow with the number of hosts a crawl has touched. (functools.lru_cache bounds only the count
and cannot be sized in bytes; an OrderedDict does both in a few lines, so no new dependency.)
"""

from __future__ import annotations

import threading
from collections import OrderedDict


def size_of(value) -> int:
    """Approximate bytes held by a cached value (bytes and str bodies; 1 for anything else)."""
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, str):
        return 2 * len(value)
    return 1


class LRU:
    """``LRU(max_items=None, max_bytes=None, sizeof=size_of)``: get/put/pop under one lock.

    ``evictions`` counts entries dropped to stay within bounds; ``nbytes`` is the current total.
    """

    def __init__(self, max_items: int | None = None, max_bytes: int | None = None, sizeof=size_of):
        self.max_items, self.max_bytes, self.sizeof = max_items, max_bytes, sizeof
        self._data: OrderedDict = OrderedDict()
        self._sizes: dict = {}
        self._lock = threading.Lock()
        self.nbytes = 0
        self.evictions = 0
        self.hits = 0
        self.misses = 0

    def __len__(self):
        return len(self._data)

    def __contains__(self, key):
        with self._lock:
            return key in self._data

    def get(self, key, default=None):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
            return default

    def put(self, key, value):
        size = self.sizeof(value)
        with self._lock:
            if key in self._data:
                self.nbytes -= self._sizes.pop(key)
                del self._data[key]
            if self.max_bytes is not None and size > self.max_bytes:
                return                       # larger than the whole cache: not kept
            self._data[key] = value
            self._sizes[key] = size
            self.nbytes += size
            while self._data and ((self.max_items is not None and len(self._data) > self.max_items)
                                  or (self.max_bytes is not None and self.nbytes > self.max_bytes)):
                old, _ = self._data.popitem(last=False)
                self.nbytes -= self._sizes.pop(old)
                self.evictions += 1

    def pop(self, key, default=None):
        with self._lock:
            if key not in self._data:
                return default
            self.nbytes -= self._sizes.pop(key)
            return self._data.pop(key)

    def drop(self, predicate) -> int:
        """Remove every entry whose key satisfies ``predicate``; returns how many."""
        with self._lock:
            keys = [k for k in self._data if predicate(k)]
            for k in keys:
                self.nbytes -= self._sizes.pop(k)
                del self._data[k]
            return len(keys)

    def clear(self):
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self.nbytes = 0

    def stats(self) -> dict:
        with self._lock:
            return {"items": len(self._data), "bytes": self.nbytes, "max_items": self.max_items,
                    "max_bytes": self.max_bytes, "evictions": self.evictions, "hits": self.hits,
                    "misses": self.misses}
