"""Django's Redis cache, keeping one client per connection pool instead of one per call.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` object for every cache call,
and redis-py 8 spends about half a millisecond of CPU building one (its table of response
callbacks). Rate limits make several cache calls on every signature, so that was a tenth
of signing's time. A ``redis.Redis`` is safe to share between threads: it takes a
connection from its pool for each command.
"""

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
