"""A small least-recently-used memory shared by the threads of one process, for what a request would otherwise ask
the cache (Redis) for again and again although it never changes under its key: whose a session key is
(accounts/sessions.py), a person's values under their version token (accounts/versions.py), the set an object
belongs to (sets/permissions.py). Nothing here is shared between processes; each fills its own."""

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LocalLRU(Generic[V]):
    def __init__(self, size: int):
        self.size = size
        self.lock = threading.Lock()
        self.values: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        with self.lock:
            value = self.values.get(key)
            if value is not None:
                self.values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self.lock:
            self.values[key] = value
            self.values.move_to_end(key)
            while len(self.values) > self.size:
                self.values.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        with self.lock:
            self.values.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.values.clear()
