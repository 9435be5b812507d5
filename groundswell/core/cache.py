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

    def count_hits(self, keys: list[tuple[str, int]]) -> list[int]:
        """Add one to each ``(key, seconds)`` counter, in one round trip; return the counts.

        A counter expires ``seconds`` after its first hit.
        """
        pipe = self._cache.get_client(write=True).pipeline(transaction=False)
        for key, seconds in keys:
            full = self.make_and_validate_key(key)
            pipe.incr(full)
            pipe.expire(full, seconds, nx=True)
        return pipe.execute()[0::2]
