"""Caching: what this project keeps per process, and the Redis backend of the shared cache.

Every value a process keeps for itself is a named ``Kept`` entry, declared where it is
used, each with its lifetime and who makes it forget; ``KEPT`` lists them all (and tests
empty them all between tests). The per-process caches in Django's ``caches["local"]``
follow the same pattern with keys that change when their source does. All of them:

- ``signing-petitions`` (petitions/access.py): 1 s; forgotten by nobody, as
  ``sign_petitions`` decides on the petition as it was read;
- ``confirmed-pages`` (petitions/fastpath.py): 0.5 s; nobody (the count on it may be that old);
- ``fast-answer-headers`` (petitions/fastpath.py): the process's life; Django's answer per
  site as sent and petition, made from the settings;
- ``writing-campaigns`` (letters/writing/access.py): 1 s; nobody, as ``write_many`` decides on
  the campaign as read;
- ``written-pages`` (letters/writing/fastpath.py): 10 s; nobody (a campaign's new title, or a
  directory change, shows within it);
- ``writing-districts`` (letters/writing/actions.py): 10 s; nobody, as the written page is as
  old, and a letter's way to its office is decided again when it goes out;
- ``webhook-listeners`` (integrations/actions.py): ``WEBHOOK_LISTENERS_SECONDS``; an endpoint's
  change, then again on its commit;
- ``petition-count`` (local, petitions/counting.py): ``COUNT_CACHE_SECONDS``; a confirmation
  in this process, on commit;
- ``petition-supporters``, ``petition-growth`` (local, petitions/views.py): 5 s and 60 s;
  their keys hold the count;
- targets' and updates' parts of the petition page (local, targets/cache.py,
  updates/cache.py): their actions, on commit;
- ``rendered-selects`` (core/forms.py): the process's life; nobody, as the country list never
  changes while it lives;
- ``MicroCache`` (core/edge.py): ``MICROCACHE_SECONDS``; nobody, as it holds public pages only.

The Redis backend: Django's ``RedisCacheClient`` builds a new ``redis.Redis`` object for
every cache call, and redis-py 8 spends about half a millisecond of CPU building one (its
table of response callbacks). Rate limits make several cache calls on every signature, so
that was a tenth of signing's time. A ``redis.Redis`` is safe to share between threads: it
takes a connection from its pool for each command.
"""

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _SharedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClients
        self._scripts = {}

    def count_hits(self, keys: list[tuple[str, int]]) -> list[int]:
        """Add one to each ``(key, seconds)`` counter in one round trip; the count after each.

        A key may come many times (a batch of signers behind one address): it is added to
        once, by how often it came. A counter expires ``seconds`` after its first hit.
        """
        totals: dict[str, list] = {}
        for key, seconds in keys:
            entry = totals.setdefault(key, [0, seconds])
            entry[0] += 1
        names = list(totals)
        arguments = [value for name in names for value in totals[name]]
        client = self._cache.get_client(write=True)
        script = self._scripts.get(id(client))
        if script is None:
            script = self._scripts[id(client)] = client.register_script(_COUNT_HITS)
        full = [self.make_key(name) for name in names]  # ours: short and plain ASCII
        after = dict(zip(names, script(keys=full, args=arguments), strict=True))
        # Each hit's own count: the first of k hits on a key saw (after - k + 1).
        seen: dict[str, int] = {}
        counts = []
        for key, _seconds in keys:
            seen[key] = seen.get(key, 0) + 1
            counts.append(after[key] - totals[key][0] + seen[key])
        return counts


_COUNT_HITS = """
local counts = {}
for i, key in ipairs(KEYS) do
  local added = tonumber(ARGV[2 * i - 1])
  local count = redis.call('INCRBY', key, added)
  if count == added then redis.call('EXPIRE', key, ARGV[2 * i]) end
  counts[i] = count
end
return counts
"""


KEPT: dict[str, "Kept"] = {}  # every named entry of every process, by name


class Kept:
    """Values this process keeps for ``seconds`` (a number, or the name of a setting),
    each made again by one thread at a time.

    While one thread makes a value anew, the others get the one that is a moment old;
    only for the very first do they wait, so that a cold process does not make it once
    per thread at the same moment (a herd through Django's admission slots). Each key has
    its own lock: a flood of made-up slugs does not hold up a real petition. ``make``
    returning None stores nothing unless ``keep_none``.
    """

    def __init__(
        self,
        name: str,
        *,
        seconds: float | str,
        forgotten_by: str,
        keep_none: bool = False,
        max_entries: int = 10_000,
    ):
        self.name, self.seconds, self.forgotten_by = name, seconds, forgotten_by
        self.keep_none, self.max_entries = keep_none, max_entries
        self.values: dict = {}  # key: (expires, value)
        self.making: dict = {}  # key: the lock of whoever makes it
        KEPT[name] = self

    def get(self, key, make: Callable):
        hit = self.values.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        lock = self.making.setdefault(key, threading.Lock())
        if hit is not None:
            if not lock.acquire(blocking=False):
                return hit[1]  # another thread is making the new one
        else:
            lock.acquire()  # the first: wait for whoever is making it, if anyone
            hit = self.values.get(key)
            if hit is not None and hit[0] > time.monotonic():
                lock.release()
                return hit[1]
        try:
            value = make()
            if value is not None or self.keep_none:
                if len(self.values) >= self.max_entries:  # e.g. slugs people made up
                    self.values.clear()
                    self.making = {key: lock}
                self.values[key] = (time.monotonic() + self._seconds(), value)
            return value
        finally:
            lock.release()

    def forget(self) -> None:
        self.values.clear()

    def _seconds(self) -> float:
        seconds = self.seconds
        return getattr(settings, seconds) if isinstance(seconds, str) else seconds
